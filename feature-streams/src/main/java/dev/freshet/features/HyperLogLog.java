package dev.freshet.features;

import java.nio.charset.StandardCharsets;

/**
 * A HyperLogLog distinct-count sketch with 2^14 one-byte registers (16 KiB): standard error
 * 1.04/sqrt(2^14) = 0.81%, so 3 standard errors = 2.4% (the error the definitions promise,
 * {@link dev.freshet.common.definitions.Aggregation#APPROXIMATE_RELATIVE_ERROR}); small counts use
 * linear counting and are near exact. Add-only: it cannot forget a value, which is why approximate distinct counts are
 * only allowed over windows (recomputed from the rows in the window) and never over lifetime.
 */
final class HyperLogLog {
  static final int PRECISION = 14;
  private static final int M = 1 << PRECISION;
  private static final double ALPHA = 0.7213 / (1 + 1.079 / M);

  private final byte[] registers = new byte[M];

  void add(String value) {
    long h = hash(value);
    int index = (int) (h >>> (64 - PRECISION));
    int rank = Long.numberOfLeadingZeros((h << PRECISION) | (1L << (PRECISION - 1))) + 1;
    if (rank > registers[index]) {
      registers[index] = (byte) rank;
    }
  }

  long estimate() {
    double sum = 0;
    int zeros = 0;
    for (byte r : registers) {
      sum += 1.0 / (1L << r);
      if (r == 0) {
        zeros++;
      }
    }
    double raw = ALPHA * M * M / sum;
    if (raw <= 2.5 * M && zeros > 0) {
      return Math.round(M * Math.log((double) M / zeros));
    }
    return Math.round(raw);
  }

  /** FNV-1a over the UTF-8 bytes, finished with MurmurHash3's 64-bit mix so every bit avalanches. */
  private static long hash(String value) {
    long h = 0xcbf29ce484222325L;
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      h ^= b;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
