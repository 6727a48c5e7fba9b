package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The gate's own bookkeeping under forced interleavings: the watermark is a stand-in here (the
 * store's real reads are exercised end to end by the local stack's tests); what is under test is
 * that every waiting request gets an answer, whatever happens between the poller and the callers.
 */
class FreshnessGateTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(30);

  /**
   * The store fails for the poller while requests keep arriving: each one must be answered (here:
   * with the store's failure), none dropped between the poller's answering and its clearing.
   */
  @Test
  void everyWaiterIsAnsweredWhileTheStoreFailsAndRequestsKeepArriving() throws Exception {
    try (FreshnessGate gate = new FreshnessGate(() -> {
      if (Thread.currentThread().getName().equals(FreshnessGate.POLLER_THREAD)) {
        throw new FeatureStoreReader.FeatureStoreUnavailableException("down for the poller", null);
      }
      return OptionalLong.empty(); // the caller's own first look: not there yet, so it waits
    }, LONG_WAIT)) {
      List<CompletableFuture<Long>> waits = new ArrayList<>();
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
      while (System.nanoTime() < until && waits.size() < 300_000) {
        waits.add(gate.await(100, deadlineIn(LONG_WAIT)));
      }
      Thread.sleep(200); // a few more polls than needed
      long unanswered = waits.stream().filter(f -> !f.isDone()).count();
      assertThat(unanswered).as("of %d requests that waited while the store failed", waits.size()).isZero();
    }
  }

  @Test
  void aWaitEndsAtTheRequestsDeadlineWhenThatComesFirst() {
    try (FreshnessGate gate = new FreshnessGate(() -> OptionalLong.of(10), LONG_WAIT)) {
      long started = System.nanoTime();
      CompletableFuture<Long> wait = gate.await(100, deadlineIn(Duration.ofMillis(150)));
      Throwable failure = wait.handle((ok, error) -> error).join();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(failure).isInstanceOfSatisfying(ApiError.Failure.class, f -> {
        assertThat(f.status()).isEqualTo(504);
        assertThat(f.body().error()).isEqualTo("deadline_exceeded");
      }).hasMessageContaining("min_lsn 0/64");
      assertThat(tookMs).as("ended by the request's 150 ms, not the gate's 30 s").isLessThan(LONG_WAIT.toMillis() / 2);
    }
  }

  @Test
  void aWaitEndsWith412AtTheGatesOwnLimit() {
    try (FreshnessGate gate = new FreshnessGate(() -> OptionalLong.of(10), Duration.ofMillis(100))) {
      Throwable failure = gate.await(100).handle((ok, error) -> error).join();
      assertThat(failure).isInstanceOfSatisfying(ApiError.Failure.class, f -> {
        assertThat(f.status()).isEqualTo(412);
        assertThat(f.body().field()).isEqualTo("min_lsn");
      });
    }
  }

  @Test
  void aStoreThatFailsOnTheFirstLookFailsTheFutureNeverTheCaller() {
    try (FreshnessGate gate = new FreshnessGate(() -> {
      throw new FeatureStoreReader.FeatureStoreUnavailableException("down", null);
    }, LONG_WAIT)) {
      CompletableFuture<Long> wait = gate.await(100, deadlineIn(LONG_WAIT));
      assertThat(wait.handle((ok, error) -> error).join()).isInstanceOf(FeatureStoreReader.FeatureStoreUnavailableException.class);
    }
  }

  @Test
  void aWaiterIsReleasedOnceTheWatermarkPassesItsLsn() {
    AtomicLong watermark = new AtomicLong(10);
    try (FreshnessGate gate = new FreshnessGate(() -> OptionalLong.of(watermark.get()), LONG_WAIT)) {
      CompletableFuture<Long> wait = gate.await(100);
      assertThat(wait).isNotDone();
      watermark.set(120);
      assertThat(wait.orTimeout(5, TimeUnit.SECONDS).join()).isEqualTo(120);
    }
  }

  private static long deadlineIn(Duration d) {
    return System.nanoTime() + d.toNanos();
  }
}
