package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SortableTextTest {
  @Test
  void padsLikeStringFormatSoStoredKeysKeepTheirOrder() {
    for (long v : new long[] {0, 7, 1_732_449_600_000L, 4_000_000_000_000_000_000L, Long.MAX_VALUE}) {
      assertThat(SortableText.zeroPadded(v, 15)).isEqualTo(String.format("%015d", v));
      assertThat(SortableText.zeroPadded(v, 20)).isEqualTo(String.format("%020d", v));
    }
    for (long v : new long[] {0, 42, -1, Long.MIN_VALUE, 42 ^ Long.MIN_VALUE}) {
      assertThat(SortableText.zeroPaddedUnsigned(v)).isEqualTo(String.format("%20s", Long.toUnsignedString(v)).replace(' ', '0'));
    }
  }
}
