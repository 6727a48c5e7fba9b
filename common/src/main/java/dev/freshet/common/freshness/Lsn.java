package dev.freshet.common.freshness;

/**
 * PostgreSQL LSNs as numbers and in PostgreSQL's text form {@code 16/B374D848} (high and low 32
 * bits in hex), which is what {@code SELECT pg_current_wal_lsn()} returns to an application.
 */
public final class Lsn {
  private Lsn() {}

  /** Accepts {@code X/Y} (PostgreSQL's form) or a decimal number. */
  public static long parse(String text) {
    String t = text == null ? "" : text.trim();
    try {
      int slash = t.indexOf('/');
      if (slash < 0) {
        long v = Long.parseLong(t);
        if (v < 0) {
          throw new NumberFormatException("negative");
        }
        return v;
      }
      long hi = Long.parseLong(t.substring(0, slash), 16);
      long lo = Long.parseLong(t.substring(slash + 1), 16);
      if (hi < 0 || hi > 0xFFFFFFFFL || lo < 0 || lo > 0xFFFFFFFFL) {
        throw new NumberFormatException("out of range");
      }
      return (hi << 32) | lo;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an LSN: expected PostgreSQL's form like 0/16B3748"
          + " (SELECT pg_current_wal_lsn()) or a decimal number");
    }
  }

  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }
}
