package dev.freshet.features;

/**
 * Numbers as fixed-width decimal text, so store keys and sort keys order like the numbers. Hand
 * padded: {@code String.format("%015d")} was 18% of the stream thread's time in a profile.
 */
final class SortableText {
  private SortableText() {}

  /** {@code value} (not negative) left-padded with zeros to {@code width} digits. */
  static String zeroPadded(long value, int width) {
    return pad(Long.toString(value), width);
  }

  /** {@code value} read as unsigned, left-padded with zeros to 20 digits. */
  static String zeroPaddedUnsigned(long value) {
    return pad(Long.toUnsignedString(value), 20);
  }

  private static String pad(String digits, int width) {
    if (digits.length() >= width) {
      return digits;
    }
    StringBuilder s = new StringBuilder(width);
    for (int i = digits.length(); i < width; i++) {
      s.append('0');
    }
    return s.append(digits).toString();
  }
}
