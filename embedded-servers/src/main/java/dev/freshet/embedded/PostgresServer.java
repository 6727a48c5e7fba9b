package dev.freshet.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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

  private final Path dir;
  private final String database;
  private final TestCertificates tls;
  private volatile EmbeddedPostgres pg;
  private volatile ChildProcess guard;

  private PostgresServer(Path dir, String database, TestCertificates tls) {
    this.dir = dir;
    this.database = database;
    this.tls = tls;
  }

  /** Starts a server with its data under {@code dir} (callers give an empty one) and creates {@code database} in it. */
  public static PostgresServer start(Path dir, String database) {
    return start(dir, database, null);
  }

  /**
   * As {@link #start(Path, String)}; with {@code tls}, TCP connections must use TLS with that
   * certificate (pg_hba: {@code hostssl} only), as a source database that requires it would.
   */
  public static PostgresServer start(Path dir, String database, TestCertificates tls) {
    long started = System.nanoTime();
    PostgresServer server = new PostgresServer(dir, database, tls);
    server.launch(0);
    try (Connection c = server.pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      server.close();
      throw new IllegalStateException("cannot create database " + database, e);
    }
    LOG.info("PostgreSQL ready on 127.0.0.1:{} in {} ms", server.port(), (System.nanoTime() - started) / 1_000_000);
    return server;
  }

  /** Starts the postmaster on {@code port} (0: a free one); an existing data directory is kept, so a restart keeps its data. */
  private void launch(int port) {
    try {
      Files.createDirectories(dir);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir.resolve("data"))
          .setOverrideWorkingDirectory(Files.createDirectories(dir.resolve("work")).toFile())
          .setCleanDataDirectory(false)
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_replication_slots", "8")
          .setServerConfig("max_wal_senders", "8")
          // zonky defaults to off, which delays what logical replication sees.
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("max_connections", "100");
      if (port != 0) {
        builder.setPort(port);
      }
      if (tls != null) {
        Path hba = dir.resolve("pg_hba.conf");
        Files.writeString(hba, """
            local all all trust
            hostssl all all 127.0.0.1/32 trust
            hostssl replication all 127.0.0.1/32 trust
            hostnossl all all 0.0.0.0/0 reject
            """);
        builder.setServerConfig("ssl", "on")
            .setServerConfig("ssl_cert_file", tls.chain().toString())
            .setServerConfig("ssl_key_file", tls.key().toString())
            .setServerConfig("hba_file", hba.toString());
      }
      pg = builder.start();
      // pg_ctl daemonises the postmaster: without a guard it would outlive a killed JVM.
      long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("data").resolve("postmaster.pid")).get(0).trim());
      guard = ChildProcess.guard("postgres", postmaster, "INT", dir.resolve("guard.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the server (fast shutdown: sessions and replication connections are cut), leaves it down
   * for {@code down}, and starts it again on the same data and port.
   */
  public void restart(Duration down) throws InterruptedException {
    int port = port();
    stop();
    Thread.sleep(down.toMillis());
    long started = System.nanoTime();
    launch(port);
    LOG.info("PostgreSQL restarted on 127.0.0.1:{} in {} ms", port, (System.nanoTime() - started) / 1_000_000);
  }

  private void stop() {
    try {
      pg.close();
    } catch (IOException e) {
      LOG.warn("error stopping PostgreSQL", e);
    }
    guard.close();
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
    stop();
    LOG.info("PostgreSQL stopped");
  }
}
