package dev.freshet.local.chaos;

import dev.freshet.local.RandomChanges;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RandomChanges} at a steady rate on a thread of its own, while faults come and go. Paused
 * for each check (the reference is the table as it is now, so it must hold still while compared).
 * A change the database refuses (it is restarting) is logged and the workload goes on.
 */
final class SteadyWorkload implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SteadyWorkload.class);
  private final RandomChanges changes;
  private final long pauseNanos;
  private final Thread thread;
  private final Object stepLock = new Object();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean paused = true;
  private volatile boolean stopped;

  SteadyWorkload(RandomChanges changes, double perSecond) {
    this.changes = changes;
    this.pauseNanos = (long) (1e9 / perSecond);
    this.thread = new Thread(this::loop, "chaos-workload");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    long next = System.nanoTime();
    while (!stopped) {
      if (!paused) {
        synchronized (stepLock) {
          if (!paused) {
            try {
              changes.step();
            } catch (RuntimeException e) {
              refused.incrementAndGet();
              LOG.info("the workload's change was refused ({}); going on", e.getMessage());
            }
          }
        }
      }
      next += pauseNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      } else {
        next = System.nanoTime();
      }
    }
  }

  void resume() {
    paused = false;
  }

  /** Returns once no change is in flight. */
  void pause() {
    paused = true;
    synchronized (stepLock) {
      // the step in flight, if any, has ended
    }
  }

  long refused() {
    return refused.get();
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
  }

  @Override
  public String toString() {
    return changes.toString();
  }
}
