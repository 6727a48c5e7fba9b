package dev.freshet.features;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * A HyperLogLog distinct-count sketch with 2^14 one-byte registers (16 KiB): standard error
 * 1.04/sqrt(2^14) = 0.81%, so 3 standard errors = 2.4% (the error the definitions promise,
 * {@link dev.freshet.common.definitions.Aggregation#APPROXIMATE_RELATIVE_ERROR}); small counts use
 * linear counting and are near exact. Add-only: it cannot forget a value, which is why approximate distinct counts are
 * only allowed over windows (recomputed from the rows in the window) and never over lifetime.
 *
 * <p>It starts sparse: the 64-bit hashes themselves, counted exactly, until there are more than
 * {@link #SPARSE_LIMIT}; only then the registers are allocated. A user's window rarely holds that
 * many distinct values, and allocating and scanning 16 KiB for every recomputed vector was 13% of
 * the feature engine's time.
 */
final class HyperLogLog {
  static final int PRECISION = 14;
  private static final int M = 1 << PRECISION;
  private static final double ALPHA = 0.7213 / (1 + 1.079 / M);

  static final int SPARSE_LIMIT = 1024;

  private Set<Long> sparse = new HashSet<>();
  private byte[] registers;

  void add(String value) {
    long h = hash(value);
    if (registers == null) {
      sparse.add(h);
      if (sparse.size() > SPARSE_LIMIT) {
        registers = new byte[M];
        sparse.forEach(this::addHash);
        sparse = null;
      }
      return;
    }
    addHash(h);
  }

  private void addHash(long h) {
    int index = (int) (h >>> (64 - PRECISION));
    int rank = Long.numberOfLeadingZeros((h << PRECISION) | (1L << (PRECISION - 1))) + 1;
    if (rank > registers[index]) {
      registers[index] = (byte) rank;
    }
  }

  long estimate() {
    if (registers == null) {
      return sparse.size();
    }
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
