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
import java.util.function.Supplier;

/**
 * Read-your-writes against the source database: a request carrying {@code min_lsn} (a consistency
 * token read after the application's commit) proceeds once the store's freshness watermark has
 * passed it. It waits at most {@code maxWait} (then 412 {@code not_fresh}) and never past the
 * request's own deadline (then 504 {@code deadline_exceeded}). Waiting requests hold no thread: one poller
 * reads the watermark every {@link #POLL} while any request waits, and answers every request it can.
 *
 * <p>Every waiter leaves the queue by being taken out of it, one at a time, by the thread that then
 * answers it: a request arriving while the poller answers others is either seen by that pass or
 * stays queued for the next, never dropped unanswered.
 */
final class FreshnessGate implements AutoCloseable {
  static final Duration POLL = Duration.ofMillis(5);
  static final String POLLER_THREAD = "freshness-gate";

  private record Waiter(long minLsn, long giveUpNanos, boolean requestDeadline, CompletableFuture<Long> done) {}

  private final Supplier<OptionalLong> watermark;
  private final Duration maxWait;
  private final Queue<Waiter> waiting = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService poller = Schedulers.daemon(POLLER_THREAD);

  /** @param watermark the store's freshness watermark; throws when the store cannot answer */
  FreshnessGate(Supplier<OptionalLong> watermark, Duration maxWait) {
    this.watermark = watermark;
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

  /** As {@link #await(long, long)} for a request with no deadline of its own. */
  CompletableFuture<Long> await(long minLsn) {
    return await(minLsn, System.nanoTime() + 2 * maxWait.toNanos());
  }

  /**
   * Completes with the watermark once it is at or past {@code minLsn} (at once if it already is);
   * fails with 412 {@code not_fresh} after the gate's wait, with 504 {@code deadline_exceeded} at
   * {@code deadlineNanos} (a {@link System#nanoTime} instant) if that comes first, or with the
   * store's failure. Never throws: every outcome is in the future.
   */
  CompletableFuture<Long> await(long minLsn, long deadlineNanos) {
    OptionalLong now;
    try {
      now = watermark.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (now.isPresent() && now.getAsLong() >= minLsn) {
      return CompletableFuture.completedFuture(now.getAsLong());
    }
    long gateLimit = System.nanoTime() + maxWait.toNanos();
    boolean requestFirst = deadlineNanos - gateLimit < 0;
    CompletableFuture<Long> done = new CompletableFuture<>();
    waiting.add(new Waiter(minLsn, requestFirst ? deadlineNanos : gateLimit, requestFirst, done));
    return done;
  }

  private void poll() {
    if (waiting.isEmpty()) {
      return;
    }
    OptionalLong w;
    RuntimeException failure = null;
    try {
      w = watermark.get();
    } catch (RuntimeException e) { // the store is down: nobody waiting can be answered
      w = OptionalLong.empty();
      failure = e;
    }
    long now = System.nanoTime();
    // Only the waiters queued now: those that arrive during this pass wait for the next one.
    for (int n = waiting.size(); n > 0; n--) {
      Waiter waiter = waiting.poll();
      if (waiter == null) {
        break;
      }
      if (failure != null) {
        waiter.done().completeExceptionally(failure);
      } else if (w.isPresent() && w.getAsLong() >= waiter.minLsn()) {
        waiter.done().complete(w.getAsLong());
      } else if (now - waiter.giveUpNanos() >= 0) {
        waiter.done().completeExceptionally(tooLate(waiter, w));
      } else {
        waiting.add(waiter);
      }
    }
  }

  private RuntimeException tooLate(Waiter waiter, OptionalLong w) {
    String where = "the feature store has not yet applied the source up to min_lsn " + Lsn.format(waiter.minLsn())
        + " (it has up to " + (w.isPresent() ? Lsn.format(w.getAsLong()) : "an unknown point") + ")";
    if (waiter.requestDeadline()) {
      return new ApiError.Failure(504, "deadline_exceeded", "timeout_ms", where + " when the request's deadline passed");
    }
    return new ApiError.Failure(412, "not_fresh", "min_lsn", where + " after waiting " + maxWait.toMillis() + " ms; retry shortly");
  }

  @Override
  public void close() {
    poller.shutdownNow();
    try {
      poller.awaitTermination(1, TimeUnit.SECONDS); // a pass in progress may queue waiters again
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Waiter waiter = waiting.poll(); waiter != null; waiter = waiting.poll()) {
      waiter.done().cancel(false);
    }
  }
}
