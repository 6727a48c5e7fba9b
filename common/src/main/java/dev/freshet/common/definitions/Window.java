package dev.freshet.common.definitions;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sliding window in event time: at evaluation time {@code t} it holds the rows with
 * {@code event_time > t - length}. {@link #LIFETIME} holds every row.
 */
public record Window(Duration length) {
  public static final Window LIFETIME = new Window(null);
  public static final Duration SHORTEST = Duration.ofMinutes(1);
  public static final Duration LONGEST = Duration.ofDays(30);
  private static final Pattern SYNTAX = Pattern.compile("(\\d+)\\s*([mhd])");

  public boolean isLifetime() {
    return length == null;
  }

  public boolean contains(Instant eventTime, Instant asOf) {
    return isLifetime() || eventTime.isAfter(asOf.minus(length));
  }

  /** When a row with this event time leaves the window (exclusive bound); null for lifetime. */
  public Instant leavesAt(Instant eventTime) {
    return isLifetime() ? null : eventTime.plus(length);
  }

  /** Parses {@code 90m}, {@code 1h}, {@code 7d} or {@code lifetime}; null when the text is not one. */
  public static Window parse(String text) {
    if ("lifetime".equals(text)) {
      return LIFETIME;
    }
    Matcher m = SYNTAX.matcher(text.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return new Window(switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    });
  }

  @Override
  public String toString() {
    if (isLifetime()) {
      return "lifetime";
    }
    long minutes = length.toMinutes();
    return minutes % 1440 == 0 ? minutes / 1440 + "d" : minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
  }
}
