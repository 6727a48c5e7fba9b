package dev.freshet.common;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@link Instant#toString()}'s ISO-8601 text, exactly (fraction in groups of three digits, as
 * needed), faster: the date and time of day are formatted once per second and cached. Every
 * published vector carries several timestamps, and {@code DateTimeFormatter} was a tenth of the
 * feature aggregator's time.
 */
public final class IsoInstant {
  private record Second(long epochSecond, String text) {}

  /** Direct-mapped by epoch second: the seconds in use at once (now, the last minutes' events) rarely collide. */
  private static final Second[] CACHE = new Second[256];
  /** Years 0 to 9999 print as four digits; outside them {@code toString} adds a sign. */
  private static final long FIRST_SECOND = LocalDateTime.of(0, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
  private static final long LAST_SECOND = LocalDateTime.of(9999, 12, 31, 23, 59, 59).toEpochSecond(ZoneOffset.UTC);

  private IsoInstant() {}

  public static String format(Instant t) {
    long second = t.getEpochSecond();
    if (second < FIRST_SECOND || second > LAST_SECOND) {
      return t.toString();
    }
    int slot = (int) (second & (CACHE.length - 1));
    Second cached = CACHE[slot];
    if (cached == null || cached.epochSecond != second) {
      String text = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC).toString();
      // LocalDateTime drops ":00" seconds (and minutes): ISO_INSTANT always prints them.
      cached = new Second(second, text.length() == 16 ? text + ":00" : text);
      CACHE[slot] = cached;
    }
    int nanos = t.getNano();
    if (nanos == 0) {
      return cached.text + "Z";
    }
    StringBuilder s = new StringBuilder(cached.text.length() + 11).append(cached.text).append('.');
    if (nanos % 1_000_000 == 0) {
      digits(s, nanos / 1_000_000, 3);
    } else if (nanos % 1_000 == 0) {
      digits(s, nanos / 1_000, 6);
    } else {
      digits(s, nanos, 9);
    }
    return s.append('Z').toString();
  }

  private static void digits(StringBuilder s, int value, int width) {
    String d = Integer.toString(value);
    for (int i = d.length(); i < width; i++) {
      s.append('0');
    }
    s.append(d);
  }
}
