package dev.freshet.local;

import dev.freshet.common.DemoCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;

/**
 * A seeded random workload on the demo {@code events} table for reference checks (tests and {@code bin/chaos}): inserts whose
 * event times are spread over the last {@code spread} (so they arrive out of order, within the
 * allowed lateness), and updates and deletes of random existing rows: new amounts, categories,
 * kinds, event times, even a move to another user; now and then an insert dated beyond the
 * allowed lateness, which the engine must refuse ({@link #lateIds}). Single-threaded; not the
 * demo's workload, which is shaped to look like a shop rather than to hit corner cases.
 */
public final class RandomChanges {
  private final DemoDatabase db;
  private final List<Long> users;
  private final Duration spread;
  private final Random random;
  private static final List<String> COUNTRIES = List.of("FR", "DE", "PL", "PT", "SE");
  /**
   * Inserts before the first late one: lateness is judged against the newest event time a
   * partition has seen, and a partition that has seen none takes any insert.
   */
  private static final int SEEN_BEFORE_LATE = 50;
  private final List<Long> live = new ArrayList<>();
  private final Set<Long> late = new LinkedHashSet<>();
  private int inserts;
  private int updates;
  private int deletes;

  public RandomChanges(DemoDatabase db, List<Long> users, Duration spread, long seed) {
    this.db = db;
    this.users = users;
    this.spread = spread;
    this.random = new Random(seed);
    users.forEach(u -> db.upsertUser(u, "ref-" + u, "FR"));
  }

  public void run(int changes) {
    for (int i = 0; i < changes; i++) {
      step();
    }
  }

  public void step() {
    int dice = random.nextInt(100);
    if (dice < 2 && inserts >= SEEN_BEFORE_LATE) {
      lateInsert();
    } else if (dice < 4) {
      // The other source: a user's own row changes (last country, lifetime, must retract).
      db.update("UPDATE users SET country = ? WHERE id = ?", random.nextInt(4) == 0 ? null : COUNTRIES.get(random.nextInt(COUNTRIES.size())), user());
      updates++;
    } else if (live.isEmpty() || dice < 60) {
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

  /**
   * An insert 20 to 30 minutes before now: at least 12 minutes behind the newest event time the
   * engine has seen (event times are at most {@code spread}, 8 minutes, old), beyond the allowed 10
   * minutes, so it must go to the dead-letter topic and count nowhere. Never updated later (an
   * update is a correction and would be applied).
   */
  private void lateInsert() {
    late.add(db.insertEvent(user(), kind(), "item-" + random.nextInt(25), category(), author(), amount(),
        Instant.now().minus(Duration.ofMinutes(20 + random.nextInt(10))).truncatedTo(ChronoUnit.MICROS)));
  }

  /** Ids of the late inserts so far (a live view). */
  public Set<Long> lateIds() {
    return Collections.unmodifiableSet(late);
  }

  /**
   * For each window length, a row dated just inside it (10 to 50 s before it leaves), so it
   * crosses the window's edge while the test runs: the long windows' decay, without sleeping for
   * them. Inserted now and then moved back in time (an update: a correction, never late).
   * Returns the rows' ids and when each leaves its window.
   */
  Map<Long, Instant> placeAtWindowEdges(List<Duration> windows) {
    Map<Long, Instant> leaving = new LinkedHashMap<>();
    for (Duration w : windows) {
      long id = db.insertEvent(user(), kind(), "item-" + random.nextInt(25), category(), author(), amount(), null);
      Instant at = Instant.now().minus(w).plusSeconds(10 + random.nextInt(40)).truncatedTo(ChronoUnit.MICROS);
      db.update("UPDATE events SET occurred_at = ? WHERE id = ?", java.sql.Timestamp.from(at), id);
      leaving.put(id, at.plus(w));
    }
    return leaving;
  }

  /** {@code rows} events for each of {@code heavy} within the last 8 minutes, in one statement each. */
  void heavyUsers(List<Long> heavy, int rows) {
    for (long user : heavy) {
      db.upsertUser(user, "heavy-" + user, "FR");
      db.update("INSERT INTO events (user_id, kind, item, category, author, amount, occurred_at)"
          + " SELECT ?, (ARRAY['view', 'click', 'purchase', 'view', 'add_to_cart'])[1 + g % 5], 'item-' || (g % 37),"
          + " (ARRAY['books', 'music', 'films', 'games'])[1 + g % 4], CASE WHEN g % 9 = 0 THEN NULL ELSE 'author-' || (g % 5) END,"
          + " CASE WHEN g % 5 = 2 THEN (g % 250) + 0.99 END, now() - (g % 480) * interval '1 second'"
          + " FROM generate_series(1, ?) g", user, rows);
      inserts += rows;
    }
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

  /** Now and then unknown (null), for the filters that ask. */
  private String author() {
    return random.nextInt(8) == 0 ? null : DemoCatalog.AUTHORS.get(random.nextInt(DemoCatalog.AUTHORS.size()));
  }

  private BigDecimal amount() {
    return BigDecimal.valueOf(1 + random.nextDouble() * 300).setScale(2, RoundingMode.HALF_UP);
  }

  @Override
  public String toString() {
    return inserts + " inserts, " + updates + " updates, " + deletes + " deletes, " + late.size() + " late inserts";
  }
}
