package dev.freshet.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How a service's main ends: a stop request exits 0; the service failing on its own exits 1, after closing it. */
class ServiceMainTest {
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    later.shutdownNow();
  }

  static final class FakeService implements AutoCloseable, ServiceMain.Failing {
    final CompletableFuture<String> failure = new CompletableFuture<>();
    volatile boolean closed;

    @Override
    public CompletionStage<String> failure() {
      return failure;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void aServiceThatFailsOnItsOwnIsClosedAndItsMainExitsNonZero() {
    FakeService service = new FakeService();
    later.schedule(() -> service.failure.complete("source refused the login"), 50, TimeUnit.MILLISECONDS);
    assertThat(ServiceMain.runUntilStopped("fake", new CountDownLatch(1), service)).isEqualTo(1);
    assertThat(service.closed).isTrue();
  }

  @Test
  void aStopRequestClosesTheServiceAndExitsZero() {
    FakeService service = new FakeService();
    CountDownLatch requested = new CountDownLatch(1);
    later.schedule(requested::countDown, 50, TimeUnit.MILLISECONDS);
    assertThat(ServiceMain.runUntilStopped("fake", requested, service)).isZero();
    assertThat(service.closed).isTrue();
  }
}
