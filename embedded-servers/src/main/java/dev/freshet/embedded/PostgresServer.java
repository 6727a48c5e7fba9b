package dev.freshet.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 17 server (zonky's packaged binaries, which include pgoutput) with logical
 * replication on, listening on loopback only.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
  public static final String USER = "postgres";

  private final EmbeddedPostgres pg;
  private final String database;
  private final ChildProcess guard;

  private PostgresServer(EmbeddedPostgres pg, String database, ChildProcess guard) {
    this.pg = pg;
    this.database = database;
    this.guard = guard;
  }

  /** Starts a server with its data under {@code dir} and creates {@code database} in it. */
  public static PostgresServer start(Path dir, String database) {
    long started = System.nanoTime();
    try {
      Files.createDirectories(dir);
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setDataDirectory(dir.resolve("data"))
          .setOverrideWorkingDirectory(Files.createDirectories(dir.resolve("work")).toFile())
          .setCleanDataDirectory(true)
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_replication_slots", "8")
          .setServerConfig("max_wal_senders", "8")
          // zonky defaults to off, which delays what logical replication sees.
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("max_connections", "100")
          .start();
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + database);
      }
      // pg_ctl daemonises the postmaster: without a guard it would outlive a killed JVM.
      long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("data").resolve("postmaster.pid")).get(0).trim());
      ChildProcess guard = ChildProcess.guard("postgres", postmaster, "INT", dir.resolve("guard.log"));
      LOG.info("PostgreSQL ready on 127.0.0.1:{} in {} ms", pg.getPort(), (System.nanoTime() - started) / 1_000_000);
      return new PostgresServer(pg, database, guard);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database, e);
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return pg.getPort();
  }

  public String database() {
    return database;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  public DataSource dataSource() {
    return pg.getDatabase(USER, database);
  }

  @Override
  public void close() {
    try {
      pg.close();
      guard.close();
      LOG.info("PostgreSQL stopped");
    } catch (IOException e) {
      LOG.warn("error stopping PostgreSQL", e);
    }
  }
}
