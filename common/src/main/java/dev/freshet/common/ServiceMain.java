package dev.freshet.common;

import dev.freshet.common.definitions.DefinitionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared {@code main} shape: start a service, stop it in order on SIGTERM/Ctrl-C (see
 * {@link StopSignals}), exit non-zero if start fails, or if the service fails on its own later
 * ({@link Failing}): a process that stays up unable to work would never be restarted by its
 * supervisor (systemd's {@code Restart=on-failure}), only reported unhealthy.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  /** A service factory that may fail while starting. */
  @FunctionalInterface
  public interface Starter {
    AutoCloseable start() throws Exception;
  }

  /** A service that can fail on its own after it started, e.g. when its source refuses it for good. */
  public interface Failing {
    /** Completes with the reason when the service can no longer work. */
    CompletionStage<String> failure();
  }

  public static void run(String name, Starter starter) {
    CountDownLatch requested = StopSignals.install(name);
    AutoCloseable service;
    try {
      service = starter.start();
    } catch (Settings.ConfigException | DefinitionException e) {
      LOG.error("{}: configuration error: {}", name, e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      LOG.error("{}: failed to start", name, e);
      System.exit(1);
      return;
    }
    LOG.info("{}: started", name);
    System.exit(runUntilStopped(name, requested, service));
  }

  /**
   * Waits for a stop signal or the service's own {@link Failing#failure}, then closes
   * {@code service} on this thread and returns the exit status (1 after a failure). Should the JVM
   * exit another way first (System.exit, SIGHUP), a shutdown hook closes it.
   */
  public static int runUntilStopped(String name, CountDownLatch requested, AutoCloseable service) {
    AtomicReference<String> failed = new AtomicReference<>();
    if (service instanceof Failing failing) {
      failing.failure().thenAccept(reason -> {
        failed.set(reason);
        requested.countDown();
      });
    }
    CountDownLatch closed = new CountDownLatch(1);
    Thread fallback = new Thread(() -> {
      requested.countDown();
      try {
        closed.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-exit");
    Runtime.getRuntime().addShutdownHook(fallback);
    try {
      requested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int status = 0;
    if (failed.get() != null) {
      LOG.error("{}: failed: {}; stopping, exit status 1 (its supervisor starts it again)", name, failed.get());
      status = 1;
    }
    try {
      service.close();
      LOG.info("{}: stopped", name);
    } catch (Exception e) {
      LOG.warn("{}: error while stopping", name, e);
      status = 1;
    } finally {
      closed.countDown();
    }
    return status;
  }
}
