package dev.freshet.common;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (Ctrl-C) as a request for an orderly stop, handled by the caller's own thread
 * while the JVM still runs normally. A shutdown hook cannot do this: the JVM runs all hooks at once,
 * so libraries' own hooks (Iceberg's worker pool, embedded PostgreSQL) would stop their parts while
 * ours still use them. A second signal during the stop exits at once.
 */
public final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  /** Installs the handlers; the latch opens on the first signal. */
  public static CountDownLatch install(String name) {
    CountDownLatch requested = new CountDownLatch(1);
    for (String signal : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(signal), s -> {
          if (requested.getCount() == 0) {
            LOG.warn("{}: second SIG{} while stopping: exiting now", name, s.getName());
            Runtime.getRuntime().halt(128 + s.getNumber());
          }
          LOG.info("{}: SIG{} received, stopping", name, s.getName());
          requested.countDown();
        });
      } catch (IllegalArgumentException ignoredByTheShell) {
        // A shell starts background jobs with SIGINT ignored, and the JVM then leaves it alone: SIGTERM still works.
        LOG.debug("{}: SIG{} is not available to this process", name, signal);
      }
    }
    return requested;
  }
}
