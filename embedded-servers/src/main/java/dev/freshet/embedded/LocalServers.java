package dev.freshet.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three real servers the pipeline needs, started in parallel under one directory and stopped
 * in reverse order. Used by the integration tests and by the local run.
 */
public final class LocalServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalServers.class);

  public final PostgresServer postgres;
  public final KafkaBroker kafka;
  public final CassandraServer cql;

  private LocalServers(PostgresServer postgres, KafkaBroker kafka, CassandraServer cql) {
    this.postgres = postgres;
    this.kafka = kafka;
    this.cql = cql;
  }

  public static LocalServers start(Path dir, String database) {
    long started = System.nanoTime();
    // The CQL server is the slowest; it starts from this thread while the others start beside it.
    CompletableFuture<PostgresServer> pg = CompletableFuture.supplyAsync(() -> PostgresServer.start(dir.resolve("postgres"), database));
    CompletableFuture<KafkaBroker> kafka = CompletableFuture.supplyAsync(() -> KafkaBroker.start(dir.resolve("kafka"), 2));
    CassandraServer cql;
    try {
      cql = CassandraServer.start(dir.resolve("cassandra"), Duration.ofSeconds(180));
    } catch (RuntimeException e) {
      pg.thenAccept(PostgresServer::close);
      kafka.thenAccept(KafkaBroker::close);
      throw e;
    }
    try {
      LocalServers servers = new LocalServers(pg.join(), kafka.join(), cql);
      LOG.info("local servers ready in {} ms", (System.nanoTime() - started) / 1_000_000);
      return servers;
    } catch (RuntimeException e) {
      cql.close();
      pg.thenAccept(PostgresServer::close);
      kafka.thenAccept(KafkaBroker::close);
      throw e;
    }
  }

  @Override
  public void close() {
    cql.close();
    kafka.close();
    postgres.close();
  }
}
