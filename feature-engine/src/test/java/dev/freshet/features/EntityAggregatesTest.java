package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The incremental aggregates against a brute-force evaluation of every bundled feature over the
 * live rows, written here from the aggregations' definitions, through random inserts, updates,
 * deletes and time passing (seconds to days, so rows cross every window's edge).
 */
class EntityAggregatesTest {
  static final FeaturePlan PLAN = new FeaturePlan(FeatureDefinitions.bundled());
  static final SourcePlan EVENTS = PLAN.source("events");
  static final List<String> KINDS = List.of("view", "view", "click", "purchase");
  static final List<String> CATEGORIES = List.of("books", "music", "films", "games");

  @Test
  void equalsABruteForceEvaluationThroughChangesAndDecay() {
    for (long seed = 1; seed <= 30; seed++) {
      run(seed, 300);
    }
  }

  private void run(long seed, int steps) {
    Random random = new Random(seed);
    long now = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli() * 1_000_000L;
    EntityAggregates aggregates = EntityAggregates.empty(PLAN, new EntityState(), now);
    Map<String, TypedRow> live = new LinkedHashMap<>();
    long nextId = 1;
    Map<String, Object> published = null;
    for (int step = 0; step < steps; step++) {
      int op = random.nextInt(10);
      if (op < 2) {
        long[] jumps = {1_000_000_000L, 60_000_000_000L, Duration.ofHours(1).toNanos(), Duration.ofDays(1).toNanos(), Duration.ofDays(8).toNanos()};
        now += (long) (random.nextDouble() * jumps[random.nextInt(jumps.length)]);
        aggregates.advanceTo(now);
      } else if (op == 2 && random.nextBoolean()) { // the user's own row, in the other source
        TypedRow old = live.remove("user");
        if (old != null) {
          aggregates.retract(old);
        }
        if (random.nextInt(4) > 0) {
          TypedRow user = userRow(random, now);
          aggregates.add(user);
          live.put("user", user);
        }
      } else if (op < 8 || live.isEmpty()) {
        TypedRow row = row(random, nextId++, now);
        aggregates.add(row);
        live.put(row.pk(), row);
      } else {
        List<String> keys = new ArrayList<>(live.keySet());
        keys.remove("user");
        if (keys.isEmpty()) {
          continue;
        }
        TypedRow old = live.remove(keys.get(random.nextInt(keys.size())));
        aggregates.retract(old);
        if (op == 9) { // an update: same key, new values
          TypedRow updated = row(random, (Long) old.value(EVENTS.column("id")), now);
          aggregates.add(updated);
          live.put(updated.pk(), updated);
        }
      }
      boolean moved = aggregates.refresh();
      Map<String, Object> values = aggregates.values();
      assertThat(normalised(values)).as("seed %d step %d", seed, step).isEqualTo(normalised(bruteForce(live.values(), now)));
      assertThat(moved).as("seed %d step %d: refresh says whether a value moved", seed, step).isEqualTo(!values.equals(published));
      aggregates.markPublished();
      published = values;
    }
  }

  private static TypedRow row(Random random, long id, long nowNanos) {
    String kind = KINDS.get(random.nextInt(KINDS.size()));
    Map<String, Object> values = new LinkedHashMap<>();
    // Up to 40 days back, and now and then a little in the future.
    long at = nowNanos - (long) (random.nextDouble() * Duration.ofDays(random.nextBoolean() ? 1 : 40).toNanos()) + 1_000_000_000L;
    Instant t = Instant.ofEpochSecond(Math.floorDiv(at, 1_000_000_000L), Math.floorMod(at, 1_000_000_000L));
    values.put("id", id);
    values.put("user_id", 7L);
    values.put("kind", kind);
    values.put("item", random.nextInt(8) == 0 ? null : "item-" + random.nextInt(20));
    values.put("category", CATEGORIES.get(random.nextInt(CATEGORIES.size())));
    values.put("author", "author-" + random.nextInt(5));
    values.put("amount", kind.equals("purchase") ? new BigDecimal(random.nextInt(10_000)).movePointLeft(2) : null);
    values.put("occurred_at", t);
    return EVENTS.typed(new SourceRow("events", Long.toString(id), "7", t, values));
  }

  private static TypedRow userRow(Random random, long nowNanos) {
    long at = nowNanos - (long) (random.nextDouble() * Duration.ofDays(40).toNanos());
    Instant t = Instant.ofEpochSecond(Math.floorDiv(at, 1_000_000_000L), Math.floorMod(at, 1_000_000_000L));
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", 7L);
    values.put("country", random.nextInt(5) == 0 ? null : List.of("FR", "DE", "PL").get(random.nextInt(3)));
    values.put("created_at", t);
    return PLAN.source("users").typed(new SourceRow("users", "7", "7", t, values));
  }

  /** Every feature evaluated from scratch over the live rows, as the definitions describe it. */
  private static Map<String, Object> bruteForce(Iterable<TypedRow> live, long nowNanos) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (FeatureSlot slot : PLAN.slots) {
      FeatureDefinition f = slot.definition;
      SourcePlan source = slot.source;
      List<TypedRow> rows = new ArrayList<>();
      for (TypedRow r : live) {
        if (r.source() == source && (f.window().isLifetime() || r.eventNanos() > nowNanos - f.window().length().toNanos()) && slot.matches(r)) {
          rows.add(r);
        }
      }
      rows.sort(Comparator.comparing(TypedRow::order));
      int column = f.column() == null ? -1 : source.column(f.column());
      ColumnType type = column < 0 ? null : source.type(column);
      List<Object> values = column < 0 ? List.of() : rows.stream().map(r -> r.value(column)).filter(v -> v != null).toList();
      out.put(f.name(), switch (f.aggregation()) {
        case COUNT -> column < 0 ? (long) rows.size() : (long) values.size();
        case SUM -> values.stream().map(v -> (BigDecimal) v).reduce(BigDecimal.ZERO, BigDecimal::add);
        case AVG -> values.isEmpty() ? null : values.stream().map(v -> (BigDecimal) v).reduce(BigDecimal.ZERO, BigDecimal::add)
            .divide(BigDecimal.valueOf(values.size()), 6, RoundingMode.HALF_UP);
        case MIN -> values.stream().min(type.order()).map(type::published).orElse(null);
        case MAX -> values.stream().max(type.order()).map(type::published).orElse(null);
        case COUNT_DISTINCT -> values.stream().distinct().count();
        case FIRST -> rows.isEmpty() ? null : type.published(rows.get(0).value(column));
        case LAST -> rows.isEmpty() ? null : type.published(rows.get(rows.size() - 1).value(column));
        case LAST_N -> {
          List<Object> reversed = new ArrayList<>(values);
          java.util.Collections.reverse(reversed);
          yield reversed.stream().limit(f.size()).map(type::published).toList();
        }
        case TOP_K -> {
          Map<Object, Long> counts = values.stream().collect(Collectors.groupingBy(v -> v, HashMap::new, Collectors.counting()));
          yield counts.entrySet().stream()
              .sorted(Comparator.<Map.Entry<Object, Long>>comparingLong(Map.Entry::getValue).reversed()
                  .thenComparing(Map.Entry::getKey, type.order()))
              .limit(f.size()).map(e -> type.published(e.getKey())).toList();
        }
      });
    }
    return out;
  }

  /** Numbers compared by value (a sum's scale is not part of its meaning). */
  private static Map<String, Object> normalised(Map<String, Object> features) {
    Map<String, Object> out = new LinkedHashMap<>();
    features.forEach((k, v) -> out.put(k, v instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString()
        : v instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString() : v));
    return out;
  }
}
