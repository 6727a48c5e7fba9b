package dev.freshet.local;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls until a condition holds or a deadline passes; the failure says what was last seen. */
final class Await {
  private Await() {}

  static <T> T until(Duration timeout, String what, Supplier<T> probe, java.util.function.Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      last = probe.get();
      if (done.test(last)) {
        return last;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + last);
  }
}
