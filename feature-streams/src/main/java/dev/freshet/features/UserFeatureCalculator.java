package dev.freshet.features;

import dev.freshet.common.UserFeatures;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Computes the published features from a user's event rows as of an evaluation time. A window of
 * length W holds the rows with {@code occurred_at > asOf - W}. Recomputing from the rows (instead
 * of keeping running sums) makes UPDATE and DELETE corrections exact by construction.
 */
final class UserFeatureCalculator {
  static final Duration EVENTS_WINDOW = Duration.ofHours(1);
  static final Duration PURCHASE_WINDOW = Duration.ofHours(24);
  static final Duration LAST_VIEW_WINDOW = Duration.ofDays(7);
  /** Rows older than the longest window can no longer change any feature. */
  static final Duration RETENTION = LAST_VIEW_WINDOW;

  private UserFeatureCalculator() {}

  static Map<String, Object> compute(Collection<EventRow> rows, Instant asOf) {
    Instant eventsFrom = asOf.minus(EVENTS_WINDOW);
    Instant purchasesFrom = asOf.minus(PURCHASE_WINDOW);
    Instant viewsFrom = asOf.minus(LAST_VIEW_WINDOW);
    long events = 0;
    BigDecimal purchases = BigDecimal.ZERO.setScale(2);
    EventRow lastView = null;
    Comparator<EventRow> byTime = Comparator.comparing(EventRow::occurredAt).thenComparingLong(EventRow::id);
    for (EventRow r : rows) {
      if (r.occurredAt().isAfter(eventsFrom)) {
        events++;
      }
      if ("purchase".equals(r.kind()) && r.amount() != null && r.occurredAt().isAfter(purchasesFrom)) {
        purchases = purchases.add(r.amount());
      }
      if ("view".equals(r.kind()) && r.occurredAt().isAfter(viewsFrom) && (lastView == null || byTime.compare(r, lastView) > 0)) {
        lastView = r;
      }
    }
    Map<String, Object> features = new LinkedHashMap<>();
    features.put(UserFeatures.EVENTS_1H, events);
    features.put(UserFeatures.PURCHASE_AMOUNT_24H, purchases);
    features.put(UserFeatures.LAST_VIEWED_CATEGORY, lastView == null ? null : lastView.category());
    features.put(UserFeatures.LAST_VIEWED_AUTHOR, lastView == null ? null : lastView.author());
    return features;
  }
}
