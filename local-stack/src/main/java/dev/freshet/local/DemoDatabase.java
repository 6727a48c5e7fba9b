package dev.freshet.local;

import dev.freshet.common.freshness.ConsistencyToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/** The demo app's side of the source database: its schema and the writes an app would make. */
public final class DemoDatabase {
  private final DataSource dataSource;

  public DemoDatabase(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void createSchema() {
    try (InputStream in = DemoDatabase.class.getResourceAsStream("/demo-schema.sql")) {
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute(sql);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create demo schema", e);
    }
  }

  public void upsertUser(long id, String name, String country) {
    update("INSERT INTO users (id, name, country) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING", id, name, country);
  }

  /** Inserts an event happening now and returns its id. */
  public long insertEvent(long userId, String kind, String item, String category, String author, BigDecimal amount) {
    return insertEvent(userId, kind, item, category, author, amount, null);
  }

  /** Inserts an event that happened at {@code occurredAt} (null: now), as a late-arriving app write would. */
  public long insertEvent(long userId, String kind, String item, String category, String author, BigDecimal amount,
      Instant occurredAt) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO events (user_id, kind, item, category, author, amount, occurred_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, coalesce(?, now())) RETURNING id")) {
      ps.setObject(7, occurredAt == null ? null : OffsetDateTime.ofInstant(occurredAt, ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
      ps.setLong(1, userId);
      ps.setString(2, kind);
      ps.setString(3, item);
      ps.setString(4, category);
      ps.setString(5, author);
      ps.setBigDecimal(6, amount);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert event for user " + userId, e);
    }
  }

  public int update(String sql, Object... args) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql, e);
    }
  }

  /** The server's current WAL position: every change committed later has a higher LSN. */
  public long currentWalLsn() {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read WAL position", e);
    }
  }

  /** What an application reads after its write committed to ask for features that include it ({@link ConsistencyToken}). */
  public String consistencyToken() {
    try (Connection c = dataSource.getConnection()) {
      return ConsistencyToken.afterCommit(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the WAL insert position", e);
    }
  }

  public DataSource dataSource() {
    return dataSource;
  }
}
