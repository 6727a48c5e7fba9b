package dev.freshet.local;

import dev.freshet.common.DemoCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random workload on the demo {@code events} table for reference tests: inserts whose
 * event times are spread over the last {@code spread} (so they arrive out of order, within the
 * allowed lateness), and updates and deletes of random existing rows: new amounts, categories,
 * kinds, event times, even a move to another user. Single-threaded; not the demo's workload,
 * which is shaped to look like a shop rather than to hit corner cases.
 */
final class RandomChanges {
  private final DemoDatabase db;
  private final List<Long> users;
  private final Duration spread;
  private final Random random;
  private final List<Long> live = new ArrayList<>();
  private int inserts;
  private int updates;
  private int deletes;

  RandomChanges(DemoDatabase db, List<Long> users, Duration spread, long seed) {
    this.db = db;
    this.users = users;
    this.spread = spread;
    this.random = new Random(seed);
    users.forEach(u -> db.upsertUser(u, "ref-" + u, "FR"));
  }

  void run(int changes) {
    for (int i = 0; i < changes; i++) {
      step();
    }
  }

  void step() {
    int dice = random.nextInt(100);
    if (live.isEmpty() || dice < 60) {
      insert();
    } else if (dice < 85) {
      update(live.get(random.nextInt(live.size())));
    } else {
      long id = live.remove(random.nextInt(live.size()));
      db.update("DELETE FROM events WHERE id = ?", id);
      deletes++;
    }
  }

  private void insert() {
    String kind = kind();
    BigDecimal amount = kind.equals("purchase") && random.nextInt(20) > 0 ? amount() : null;
    live.add(db.insertEvent(user(), kind, "item-" + random.nextInt(25), category(), author(), amount, eventTime()));
    inserts++;
  }

  private void update(long id) {
    switch (random.nextInt(6)) {
      case 0 -> db.update("UPDATE events SET amount = ? WHERE id = ?", amount(), id);
      case 1 -> db.update("UPDATE events SET category = ? WHERE id = ?", category(), id);
      case 2 -> db.update("UPDATE events SET kind = ?, amount = ? WHERE id = ?", kind(), amount(), id);
      case 3 -> db.update("UPDATE events SET occurred_at = ? WHERE id = ?", java.sql.Timestamp.from(eventTime()), id);
      case 4 -> db.update("UPDATE events SET item = ?, author = ? WHERE id = ?", "item-" + random.nextInt(25), author(), id);
      default -> db.update("UPDATE events SET user_id = ? WHERE id = ?", user(), id);
    }
    updates++;
  }

  /** Skewed: the first users are busy, the last rarely act, so some go idle. */
  private long user() {
    return users.get((int) (users.size() * Math.pow(random.nextDouble(), 2)));
  }

  private Instant eventTime() {
    return Instant.now().minusMillis((long) (random.nextDouble() * spread.toMillis())).truncatedTo(ChronoUnit.MICROS);
  }

  private String kind() {
    int k = random.nextInt(100);
    return k < 50 ? "view" : k < 70 ? "click" : k < 80 ? "add_to_cart" : "purchase";
  }

  private String category() {
    return DemoCatalog.CATEGORIES.get(random.nextInt(DemoCatalog.CATEGORIES.size()));
  }

  private String author() {
    return DemoCatalog.AUTHORS.get(random.nextInt(DemoCatalog.AUTHORS.size()));
  }

  private BigDecimal amount() {
    return BigDecimal.valueOf(1 + random.nextDouble() * 300).setScale(2, RoundingMode.HALF_UP);
  }

  @Override
  public String toString() {
    return inserts + " inserts, " + updates + " updates, " + deletes + " deletes";
  }
}
