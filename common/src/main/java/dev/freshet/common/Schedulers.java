package dev.freshet.common;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Background schedulers for retries and reconnects: one named daemon thread, never keeping the JVM alive. */
public final class Schedulers {
  private Schedulers() {}

  public static ScheduledExecutorService daemon(String threadName) {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }
}
