package dev.freshet.common;

import dev.freshet.common.definitions.DefinitionException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shared {@code main} shape: start a service, close it on SIGTERM/Ctrl-C, exit non-zero if start fails. */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  /** A service factory that may fail while starting. */
  @FunctionalInterface
  public interface Starter {
    AutoCloseable start() throws Exception;
  }

  public static void run(String name, Starter starter) {
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
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{}: stopping", name);
      try {
        service.close();
      } catch (Exception e) {
        LOG.warn("{}: error while stopping", name, e);
      }
      stopped.countDown();
    }, name + "-shutdown"));
    LOG.info("{}: started", name);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
