package dev.freshet.serving.generator;

import dev.freshet.common.UserFeatures;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the generator conditions on, derived from a user's live features. Values the model was not
 * trained on are mapped to {@code other} and listed in {@code notUnderstood}, never passed through
 * as if the model knew them.
 */
public record Profile(
    String category,
    String author,
    String spendBand,
    String activityBand,
    Map<String, Object> used,
    Map<String, Object> notUnderstood,
    boolean personalized) {

  public static final String OTHER = "other";
  public static final String NONE = "none";
  public static final List<String> SPEND_BANDS = List.of("none", "low", "mid", "high");
  public static final List<String> ACTIVITY_BANDS = List.of("quiet", "active", "busy");

  /** The profile used when no features could be read: the model answers generically. */
  public static Profile unpersonalized() {
    return new Profile(NONE, NONE, NONE, "quiet", Map.of(), Map.of(), false);
  }

  /** A profile given directly (training corpus, checks, tests) rather than read from features. */
  public static Profile of(String category, String author, String spendBand, String activityBand) {
    return new Profile(category, author, spendBand, activityBand, Map.of(), Map.of(), true);
  }

  /** The profile for {@code model}: category and author values must be among those its manifest lists. */
  public static Profile fromFeatures(Map<String, Object> features, ModelManifest model) {
    Map<String, Object> used = new LinkedHashMap<>();
    Map<String, Object> notUnderstood = new LinkedHashMap<>();
    String category = known(features, UserFeatures.LAST_VIEWED_CATEGORY, model.categories(), used, notUnderstood);
    String author = known(features, UserFeatures.LAST_VIEWED_AUTHOR, model.authors(), used, notUnderstood);
    BigDecimal spend = number(features, UserFeatures.PURCHASE_AMOUNT_24H, used, notUnderstood);
    BigDecimal events = number(features, UserFeatures.EVENTS_1H, used, notUnderstood);
    return new Profile(category, author, spendBand(spend), activityBand(events), Collections.unmodifiableMap(used), Collections.unmodifiableMap(notUnderstood), true);
  }

  /** Purchases in the last 24 hours: none, under 50 low, under 200 mid, else high. */
  static String spendBand(BigDecimal amount) {
    if (amount == null || amount.signum() <= 0) {
      return "none";
    }
    if (amount.compareTo(BigDecimal.valueOf(50)) < 0) {
      return "low";
    }
    return amount.compareTo(BigDecimal.valueOf(200)) < 0 ? "mid" : "high";
  }

  /** Events in the last hour: up to 5 is quiet, up to 30 active, more is busy. */
  static String activityBand(BigDecimal events) {
    if (events == null || events.compareTo(BigDecimal.valueOf(5)) <= 0) {
      return "quiet";
    }
    return events.compareTo(BigDecimal.valueOf(30)) <= 0 ? "active" : "busy";
  }

  private static String known(Map<String, Object> f, String name, List<String> vocabulary, Map<String, Object> used, Map<String, Object> notUnderstood) {
    Object v = f.get(name);
    if (v == null) {
      return NONE;
    }
    String s = v.toString().trim().toLowerCase();
    if (vocabulary.contains(s)) {
      used.put(name, v);
      return s;
    }
    notUnderstood.put(name, v);
    return OTHER;
  }

  private static BigDecimal number(Map<String, Object> f, String name, Map<String, Object> used, Map<String, Object> notUnderstood) {
    Object v = f.get(name);
    if (v == null) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(v.toString());
      used.put(name, v);
      return d;
    } catch (NumberFormatException e) {
      notUnderstood.put(name, v);
      return null;
    }
  }
}
