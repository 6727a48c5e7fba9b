package dev.freshet.serving;

import dev.freshet.common.freshness.Lsn;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Read-your-writes against the source database: a request carrying {@code min_lsn} (the
 * application's {@code SELECT pg_current_wal_lsn()} after its write) waits until the store's
 * freshness watermark has passed it, polling the watermark every {@link #POLL}, at most
 * {@code maxWait}; then it reads. Past the wait it answers 412 {@code not_fresh}.
 */
final class FreshnessGate {
  static final Duration POLL = Duration.ofMillis(5);

  private final FeatureStoreReader store;
  private final String source;
  private final Duration maxWait;

  FreshnessGate(FeatureStoreReader store, String source, Duration maxWait) {
    this.store = store;
    this.source = source;
    this.maxWait = maxWait;
  }

  /** {@code min_lsn} as given, or null when absent; a 400 naming the field when malformed. */
  static Long parse(String text, String field) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Lsn.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiError.badField(field, field + ": " + e.getMessage());
    }
  }

  /** Returns the watermark once it is at or past {@code minLsn}. */
  long await(long minLsn) throws InterruptedException {
    long deadline = System.nanoTime() + maxWait.toNanos();
    while (true) {
      OptionalLong w = store.watermark(source);
      if (w.isPresent() && w.getAsLong() >= minLsn) {
        return w.getAsLong();
      }
      if (System.nanoTime() >= deadline) {
        throw new ApiError.Failure(412, "not_fresh", "min_lsn", "the feature store has not yet applied the source up to min_lsn "
            + Lsn.format(minLsn) + " (it has up to " + (w.isPresent() ? Lsn.format(w.getAsLong()) : "an unknown point")
            + ") after waiting " + maxWait.toMillis() + " ms; retry shortly");
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
