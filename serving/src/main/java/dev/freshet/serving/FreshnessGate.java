package dev.freshet.serving;

import dev.freshet.common.Schedulers;
import dev.freshet.common.freshness.Lsn;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Read-your-writes against the source database: a request carrying {@code min_lsn} (the
 * application's {@code SELECT pg_current_wal_lsn()} after its write) proceeds once the store's
 * freshness watermark has passed it, at most {@code maxWait} later; past that it fails with 412
 * {@code not_fresh}. Waiting requests hold no thread: one poller reads the watermark every
 * {@link #POLL} while any request waits, and completes every request it satisfies.
 */
final class FreshnessGate implements AutoCloseable {
  static final Duration POLL = Duration.ofMillis(5);

  private record Waiter(long minLsn, long deadlineNanos, CompletableFuture<Long> done) {}

  private final FeatureStoreReader store;
  private final String source;
  private final Duration maxWait;
  private final Queue<Waiter> waiting = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService poller = Schedulers.daemon("freshness-gate");

  FreshnessGate(FeatureStoreReader store, String source, Duration maxWait) {
    this.store = store;
    this.source = source;
    this.maxWait = maxWait;
    poller.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
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

  /** Completes with the watermark once it is at or past {@code minLsn} (at once if it already is). */
  CompletableFuture<Long> await(long minLsn) {
    OptionalLong now = store.watermark(source);
    if (now.isPresent() && now.getAsLong() >= minLsn) {
      return CompletableFuture.completedFuture(now.getAsLong());
    }
    CompletableFuture<Long> done = new CompletableFuture<>();
    waiting.add(new Waiter(minLsn, System.nanoTime() + maxWait.toNanos(), done));
    return done;
  }

  private void poll() {
    if (waiting.isEmpty()) {
      return;
    }
    OptionalLong w;
    try {
      w = store.watermark(source);
    } catch (RuntimeException e) { // the store is down: nobody waiting can be answered
      waiting.forEach(waiter -> waiter.done().completeExceptionally(e));
      waiting.clear();
      return;
    }
    long now = System.nanoTime();
    waiting.removeIf(waiter -> {
      if (w.isPresent() && w.getAsLong() >= waiter.minLsn()) {
        waiter.done().complete(w.getAsLong());
        return true;
      }
      if (now - waiter.deadlineNanos() >= 0) {
        waiter.done().completeExceptionally(new ApiError.Failure(412, "not_fresh", "min_lsn",
            "the feature store has not yet applied the source up to min_lsn " + Lsn.format(waiter.minLsn())
                + " (it has up to " + (w.isPresent() ? Lsn.format(w.getAsLong()) : "an unknown point")
                + ") after waiting " + maxWait.toMillis() + " ms; retry shortly"));
        return true;
      }
      return false;
    });
  }

  @Override
  public void close() {
    poller.shutdownNow();
    waiting.forEach(waiter -> waiter.done().cancel(false));
  }
}
