package dev.freshet.common;

import dev.freshet.common.definitions.DefinitionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared {@code main} shape: start a service, stop it in order on SIGTERM/Ctrl-C (see
 * {@link StopSignals}), exit non-zero if start fails.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  /** A service factory that may fail while starting. */
  @FunctionalInterface
  public interface Starter {
    AutoCloseable start() throws Exception;
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
   * Waits for a stop signal, then closes {@code service} on this thread and returns the exit
   * status. Should the JVM exit another way first (System.exit, SIGHUP), a shutdown hook closes it.
   */
  public static int runUntilStopped(String name, CountDownLatch requested, AutoCloseable service) {
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
