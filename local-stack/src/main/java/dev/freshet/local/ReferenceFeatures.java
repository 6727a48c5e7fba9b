package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.definitions.Aggregation;
import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The brute-force reference: every declared feature recomputed by SQL from the source table as it
 * is now (after all inserts, updates and deletes), evaluated at a given time, to compare with what
 * serving returns. Written from the definition file's meaning, not from the engine's code: one
 * plain query per feature, no state, and each feature's filter written here in SQL by hand (not
 * the engine's parse of the definition's text, so a parser bug cannot pass on both sides).
 */
public final class ReferenceFeatures {
  /** The bundled features' filters, as PostgreSQL WHERE conditions. */
  static final Map<String, String> FILTERS = Map.ofEntries(
      Map.entry("events_1h", "true"),
      Map.entry("purchase_amount_24h", "kind = 'purchase'"),
      Map.entry("last_viewed_category", "kind = 'view'"),
      Map.entry("last_viewed_author", "kind = 'view'"),
      Map.entry("events_1m", "true"),
      Map.entry("browsing_categories_5m", "kind IN ('view', 'click')"),
      Map.entry("spend_5m", "kind = 'purchase'"),
      Map.entry("purchases_7d", "kind = 'purchase'"),
      Map.entry("avg_purchase_amount_30d", "kind = 'purchase'"),
      Map.entry("min_purchase_amount_30d", "kind = 'purchase'"),
      Map.entry("max_purchase_amount_30d", "kind = 'purchase'"),
      Map.entry("distinct_categories_24h", "true"),
      Map.entry("distinct_items_viewed_30d", "kind = 'view'"),
      Map.entry("top_categories_7d", "true"),
      Map.entry("last_viewed_items", "kind = 'view'"),
      Map.entry("last_event_at", "true"),
      Map.entry("big_purchases_7d", "kind = 'purchase' AND amount >= 100"),
      Map.entry("unattributed_or_book_views_24h", "kind = 'view' AND (author IS NULL OR category = 'books')"),
      Map.entry("non_view_spend_since_launch_1h",
          "kind <> 'view' AND amount IS NOT NULL AND occurred_at >= TIMESTAMPTZ '2026-01-01 00:00:00+00'"),
      Map.entry("purchases_lifetime", "kind = 'purchase'"),
      Map.entry("spend_lifetime", "kind = 'purchase'"),
      Map.entry("first_purchased_item", "kind = 'purchase'"),
      Map.entry("country", "true"),
      Map.entry("signed_up_30d", "true"));

  private final DataSource dataSource;
  private final FeatureDefinitions definitions = FeatureDefinitions.bundled();
  private final Set<Long> deadLettered;

  /** @param deadLettered ids of {@code events} rows the engine must have refused (late inserts): not counted */
  public ReferenceFeatures(DataSource dataSource, Set<Long> deadLettered) {
    this.dataSource = dataSource;
    this.deadLettered = deadLettered;
    definitions.features().forEach(f -> {
      if (!FILTERS.containsKey(f.name())) {
        throw new IllegalStateException("the reference has no SQL filter for feature " + f.name() + ": write one");
      }
    });
  }

  ReferenceFeatures(DataSource dataSource) {
    this(dataSource, Set.of());
  }

  /** Every feature of {@code user} as of {@code asOf}. */
  Map<String, Object> of(long user, Instant asOf) {
    Map<String, Object> values = new LinkedHashMap<>();
    try (Connection c = dataSource.getConnection()) {
      for (SourceDefinition source : definitions.sources()) {
        for (FeatureDefinition f : source.features()) {
          values.put(f.name(), query(c, source, f, user, asOf, source.name().equals("events") ? deadLettered : Set.of()));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reference query failed for user " + user, e);
    }
    return values;
  }

  private static Object query(Connection c, SourceDefinition s, FeatureDefinition f, long user, Instant asOf, Set<Long> excluded)
      throws SQLException {
    String where = s.entityKey() + " = ? AND (" + FILTERS.get(f.name()) + ") AND NOT (" + s.primaryKey() + " = ANY (?))"
        + (f.window().isLifetime() ? "" : " AND " + s.eventTime() + " > ?");
    String col = f.column();
    String newest = " ORDER BY " + s.eventTime() + " DESC, " + s.primaryKey() + " DESC";
    String sql = switch (f.aggregation()) {
      case COUNT -> "SELECT count(" + (col == null ? "*" : col) + ") FROM " + s.table() + " WHERE " + where;
      case SUM -> "SELECT coalesce(sum(" + col + "), 0) FROM " + s.table() + " WHERE " + where;
      case AVG -> "SELECT round(avg(" + col + "), 6) FROM " + s.table() + " WHERE " + where;
      case MIN, MAX, COUNT_DISTINCT -> "SELECT " + (f.aggregation() == Aggregation.COUNT_DISTINCT ? "count(DISTINCT " : f.aggregation().yamlName() + "(")
          + col + ") FROM " + s.table() + " WHERE " + where;
      case FIRST -> "SELECT " + col + " FROM " + s.table() + " WHERE " + where
          + " ORDER BY " + s.eventTime() + ", " + s.primaryKey() + " LIMIT 1";
      case LAST -> "SELECT " + col + " FROM " + s.table() + " WHERE " + where + newest + " LIMIT 1";
      case TOP_K -> "SELECT " + col + " FROM " + s.table() + " WHERE " + where + " AND " + col + " IS NOT NULL GROUP BY " + col
          + " ORDER BY count(*) DESC, " + col + collation(s, col) + " LIMIT " + f.size();
      case LAST_N -> "SELECT " + col + " FROM " + s.table() + " WHERE " + where + " AND " + col + " IS NOT NULL" + newest
          + " LIMIT " + f.size();
    };
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, user);
      ps.setArray(2, c.createArrayOf("bigint", excluded.toArray()));
      if (!f.window().isLifetime()) {
        ps.setTimestamp(3, Timestamp.from(asOf.minus(f.window().length())));
      }
      try (ResultSet rs = ps.executeQuery()) {
        List<Object> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(typed(rs.getObject(1)));
        }
        boolean list = f.aggregation() == Aggregation.TOP_K || f.aggregation() == Aggregation.LAST_N;
        return list ? rows : rows.isEmpty() ? null : rows.get(0);
      }
    }
  }

  private static String collation(SourceDefinition s, String column) {
    return s.columns().get(column) == ColumnType.STRING ? " COLLATE \"C\"" : "";
  }

  private static Object typed(Object v) {
    if (v instanceof Timestamp t) {
      return t.toInstant();
    }
    if (v instanceof Number n && !(v instanceof BigDecimal)) {
      return new BigDecimal(n.toString());
    }
    return v;
  }

  /** Why {@code served} differs from {@code expected}, or null when they agree. */
  String difference(JsonNode served, Map<String, Object> expected) {
    JsonNode features = served.path("features");
    List<String> out = new ArrayList<>();
    definitions.features().forEach(f -> {
      JsonNode got = features.path(f.name());
      Object want = expected.get(f.name());
      if (!agrees(f, got, want)) {
        out.add(f.name() + ": served " + got + ", reference " + want);
      }
    });
    return out.isEmpty() ? null : String.join("; ", out);
  }

  private static boolean agrees(FeatureDefinition f, JsonNode got, Object want) {
    if (want == null) {
      return got.isNull();
    }
    if (want instanceof List<?> list) {
      if (!got.isArray() || got.size() != list.size()) {
        return false;
      }
      for (int i = 0; i < list.size(); i++) {
        if (!scalarAgrees(got.get(i), list.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (f.approximate()) {
      double exact = ((BigDecimal) want).doubleValue();
      return got.isNumber() && Math.abs(got.asDouble() - exact) <= Math.max(1, exact * Aggregation.APPROXIMATE_RELATIVE_ERROR);
    }
    return scalarAgrees(got, want);
  }

  private static boolean scalarAgrees(JsonNode got, Object want) {
    if (want instanceof BigDecimal d) {
      return got.isNumber() && got.decimalValue().compareTo(d) == 0;
    }
    if (want instanceof Instant t) {
      return got.isTextual() && Instant.parse(got.asText()).equals(t);
    }
    return got.isTextual() && Objects.equals(got.asText(), want.toString());
  }

  /**
   * Users whose served vector differs from the reference. A vector is checked against the
   * reference at the time it was computed (exactness), and at {@code staleness} before the read
   * (decay: a contribution that left a window earlier than that must no longer be served).
   */
  public List<String> mismatches(HttpJson http, Iterable<Long> users, Duration staleness) {
    List<String> out = new ArrayList<>();
    for (long u : users) {
      Instant readAt = Instant.now();
      HttpJson.Response r = http.get("/v1/users/" + u + "/features");
      if (r.status() != 200) {
        out.add("user " + u + ": HTTP " + r.status());
        continue;
      }
      Instant computedAt = Instant.parse(r.body().path("computed_at").asText());
      String exact = difference(r.body(), of(u, computedAt));
      Instant bound = readAt.minus(staleness);
      String stale = exact == null && bound.isAfter(computedAt) ? difference(r.body(), of(u, bound)) : null;
      if (exact != null) {
        out.add("user " + u + " at computed_at " + computedAt + ": " + exact);
      } else if (stale != null) {
        out.add("user " + u + " stale (computed_at " + computedAt + ", read at " + readAt + "): " + stale);
      }
    }
    return out;
  }

  List<String> mismatches(HttpJson http, long fromUser, long toUser) {
    List<Long> users = new ArrayList<>();
    for (long u = fromUser; u <= toUser; u++) {
      users.add(u);
    }
    return mismatches(http, users, Duration.ofSeconds(3));
  }
}
