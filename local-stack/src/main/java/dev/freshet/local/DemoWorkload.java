package dev.freshet.local;

import dev.freshet.common.DemoCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes shop activity for {@code users} users at about {@code ratePerSecond} changes per second:
 * mostly inserted events (views, clicks, carts, purchases; each user has favourite categories and
 * authors, a spending habit and an activity level), plus corrections (UPDATE of a purchase amount) and removals (DELETE of an event),
 * as an app would.
 */
public final class DemoWorkload implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoWorkload.class);

  private final DemoDatabase db;
  private final int users;
  private final double ratePerSecond;
  private final Random random;
  private final AtomicBoolean running = new AtomicBoolean(false);
  private final AtomicLong changes = new AtomicLong();
  private Thread thread;

  public DemoWorkload(DemoDatabase db, int users, double ratePerSecond, long seed) {
    this.db = db;
    this.users = users;
    this.ratePerSecond = ratePerSecond;
    this.random = new Random(seed);
  }

  /** Creates users 1..N and gives each a first view, so every demo user has features. */
  public void seedUsers() {
    for (long id = 1; id <= users; id++) {
      db.upsertUser(id, "user-" + id, id % 3 == 0 ? "DE" : id % 3 == 1 ? "FR" : "US");
      insert(id, "view");
    }
  }

  public void start() {
    running.set(true);
    thread = new Thread(this::run, "demo-workload");
    thread.setDaemon(true);
    thread.start();
    LOG.info("demo workload: {} users, ~{} changes/s", users, ratePerSecond);
  }

  /** Runs {@code count} changes on the calling thread, as fast as the database takes them. */
  public void runChanges(int count) {
    for (int i = 0; i < count; i++) {
      step();
    }
  }

  private void run() {
    long intervalNanos = (long) (1e9 / ratePerSecond);
    long next = System.nanoTime();
    while (running.get()) {
      try {
        step();
      } catch (RuntimeException e) {
        if (running.get()) {
          LOG.warn("demo workload write failed: {}", e.getMessage());
        }
      }
      next += intervalNanos;
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        try {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void step() {
    // Activity is skewed, as in a real shop: low ids are busy, high ids rarely come by.
    long user = 1 + (long) (users * Math.pow(random.nextDouble(), 2));
    int dice = random.nextInt(100);
    if (dice < 5) {
      // A corrected purchase amount.
      db.update("UPDATE events SET amount = ? WHERE id = (SELECT max(id) FROM events WHERE user_id = ? AND kind = 'purchase')",
          amount(user), user);
    } else if (dice < 8) {
      // A removed event (e.g. a bot view cleaned up).
      db.update("DELETE FROM events WHERE id = (SELECT max(id) FROM events WHERE user_id = ?)", user);
    } else {
      insert(user, kind());
    }
    changes.incrementAndGet();
  }

  private void insert(long user, String kind) {
    // Each user leans to one category and one author, so profiles differ between users.
    String category = random.nextInt(10) < 7
        ? DemoCatalog.CATEGORIES.get((int) (user % DemoCatalog.CATEGORIES.size()))
        : DemoCatalog.CATEGORIES.get(random.nextInt(DemoCatalog.CATEGORIES.size()));
    String author = random.nextInt(10) < 7
        ? DemoCatalog.AUTHORS.get((int) ((user * 7) % DemoCatalog.AUTHORS.size()))
        : DemoCatalog.AUTHORS.get(random.nextInt(DemoCatalog.AUTHORS.size()));
    String item = DemoCatalog.ITEM_NOUNS.get(category) + "-" + random.nextInt(500);
    db.insertEvent(user, kind, item, category, author, kind.equals("purchase") ? amount(user) : null);
  }

  /** Users differ in how much they spend: a quarter buy only cheap things. */
  private BigDecimal amount(long user) {
    return user % 4 == 0 ? BigDecimal.valueOf(2 + random.nextDouble() * 8).setScale(2, RoundingMode.HALF_UP) : amount();
  }

  private String kind() {
    int k = random.nextInt(100);
    return k < 60 ? "view" : k < 80 ? "click" : k < 90 ? "add_to_cart" : "purchase";
  }

  private BigDecimal amount() {
    return BigDecimal.valueOf(5 + random.nextDouble() * 295).setScale(2, RoundingMode.HALF_UP);
  }

  public long changes() {
    return changes.get();
  }

  @Override
  public void close() {
    running.set(false);
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
