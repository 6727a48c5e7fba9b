package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The brute-force reference: every feature recomputed by SQL from the source rows as they are now
 * (after all inserts, updates and deletes), to compare with what serving returns.
 */
final class ReferenceFeatures {
  private static final String SQL = """
      SELECT count(*) FILTER (WHERE occurred_at > now() - interval '1 hour') AS events_1h,
             coalesce(sum(amount) FILTER (WHERE kind = 'purchase' AND occurred_at > now() - interval '24 hours'), 0) AS purchases,
             (SELECT category FROM events v WHERE v.user_id = ? AND v.kind = 'view' AND v.occurred_at > now() - interval '7 days'
               ORDER BY v.occurred_at DESC, v.id DESC LIMIT 1) AS last_category,
             (SELECT author FROM events v WHERE v.user_id = ? AND v.kind = 'view' AND v.occurred_at > now() - interval '7 days'
               ORDER BY v.occurred_at DESC, v.id DESC LIMIT 1) AS last_author
      FROM events WHERE user_id = ?
      """;

  private final DataSource dataSource;

  ReferenceFeatures(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  record Values(long events1h, BigDecimal purchases24h, String lastCategory, String lastAuthor) {
    boolean matches(JsonNode served) {
      JsonNode f = served.path("features");
      return f.path("events_1h").asLong(-1) == events1h
          && new BigDecimal(f.path("purchase_amount_24h").asText("0")).compareTo(purchases24h) == 0
          && Objects.equals(f.path("last_viewed_category").isNull() ? null : f.path("last_viewed_category").asText(null), lastCategory)
          && Objects.equals(f.path("last_viewed_author").isNull() ? null : f.path("last_viewed_author").asText(null), lastAuthor);
    }
  }

  Values of(long user) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SQL)) {
      ps.setLong(1, user);
      ps.setLong(2, user);
      ps.setLong(3, user);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Values(rs.getLong(1), rs.getBigDecimal(2), rs.getString(3), rs.getString(4));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reference query failed for user " + user, e);
    }
  }

  /** Users whose served features differ from the reference, with both sides, for the failure message. */
  List<String> mismatches(HttpJson http, long fromUser, long toUser) {
    List<String> out = new ArrayList<>();
    for (long u = fromUser; u <= toUser; u++) {
      Values expected = of(u);
      HttpJson.Response r = http.get("/v1/users/" + u + "/features");
      if (r.status() != 200 || !expected.matches(r.body())) {
        out.add("user " + u + ": expected " + expected + ", served " + (r.status() == 200 ? r.body().path("features") : r.status()));
      }
    }
    return out;
  }
}
