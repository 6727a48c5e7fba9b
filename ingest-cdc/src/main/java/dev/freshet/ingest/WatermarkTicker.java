package dev.freshet.ingest;

import dev.freshet.common.Schedulers;
import java.sql.Connection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a transactional logical decoding message ({@link #PREFIX}) into the source's WAL every
 * {@code interval} in which the WAL moved, and every {@code idleInterval} regardless. Logical
 * decoding hands transactions over in commit order, so when the message comes back through the
 * replication slot every transaction that committed before it has come back too: its LSN is a
 * watermark for everything downstream.
 *
 * <p>A client's token is the WAL insert position read after its commit ({@code ConsistencyToken}):
 * when the insert position moved past what the last message covered, the next tick writes a
 * message at or past it. A token may also count the last message's own commit record, which no
 * message can cover but a later one: hence the idle messages (one tiny transaction per
 * {@code idleInterval} on an otherwise idle database).
 */
final class WatermarkTicker implements AutoCloseable {
  static final String PREFIX = "freshet-watermark";
  private static final Logger LOG = LoggerFactory.getLogger(WatermarkTicker.class);

  private final String url;
  private final String user;
  private final String password;
  private final ScheduledExecutorService timer = Schedulers.daemon("freshet-cdc-watermark");
  private final long idleNanos;
  private Connection connection;
  private long markedUpTo = -1;
  private long lastMessage;
  private int failures;

  WatermarkTicker(IngestCdcConfig c) {
    this.url = "jdbc:postgresql://" + c.sourceHost() + ":" + c.sourcePort() + "/" + c.sourceDatabase() + "?sslmode=" + c.sourceSslMode()
        + (c.sourceSslRootCert() == null ? "" : "&sslrootcert=" + URLEncoder.encode(c.sourceSslRootCert(), StandardCharsets.UTF_8));
    this.user = c.sourceUser();
    this.password = c.sourcePassword();
    Duration interval = c.watermarkInterval();
    this.idleNanos = c.watermarkIdleInterval().toNanos();
    timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      if (connection == null) {
        connection = DriverManager.getConnection(url, user, password);
      }
      try (Statement s = connection.createStatement()) {
        if (insertLsn(s) > markedUpTo || System.nanoTime() - lastMessage >= idleNanos) {
          s.execute("SELECT pg_logical_emit_message(true, '" + PREFIX + "', '')");
          lastMessage = System.nanoTime();
          markedUpTo = insertLsn(s); // past our own message: it alone does not call for another
        }
      }
      failures = 0;
    } catch (SQLException | RuntimeException e) { // a scheduled task that throws is never run again
      if (failures++ % 100 == 0) {
        LOG.warn("cannot write a watermark message to {} ({} times in a row): {}", url, failures, e.getMessage());
      }
      closeConnection();
    }
  }

  private static long insertLsn(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void closeConnection() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // the connection is gone either way
    }
    connection = null;
  }

  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }
}
