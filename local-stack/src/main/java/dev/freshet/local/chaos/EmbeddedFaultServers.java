package dev.freshet.local.chaos;

import dev.freshet.embedded.LocalServers;
import dev.freshet.embedded.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/** Servers this machine runs itself ({@link LocalServers}): PostgreSQL and Cassandra as child processes, Kafka in this JVM. */
public final class EmbeddedFaultServers implements FaultServers {
  private static final Duration CQL_START = Duration.ofSeconds(180);
  private final LocalServers servers;

  private EmbeddedFaultServers(LocalServers servers) {
    this.servers = servers;
  }

  public static EmbeddedFaultServers start(Path dir) {
    // The servers come with a database of their own; each run creates its own beside it.
    return new EmbeddedFaultServers(LocalServers.start(dir, "freshet"));
  }

  @Override
  public String kafkaBootstrapServers() {
    return servers.kafka.bootstrapServers();
  }

  @Override
  public String postgresHost() {
    return servers.postgres.host();
  }

  @Override
  public int postgresPort() {
    return servers.postgres.port();
  }

  @Override
  public String postgresUser() {
    return PostgresServer.USER;
  }

  @Override
  public String postgresPassword() {
    return "";
  }

  @Override
  public String cqlContactPoint() {
    return servers.cql.host() + ":" + servers.cql.nativePort();
  }

  @Override
  public String cqlLocalDatacenter() {
    return servers.cql.localDatacenter();
  }

  @Override
  public void restart(Server server, Duration down) throws InterruptedException {
    switch (server) {
      case KAFKA -> servers.kafka.restart(down);
      case POSTGRES -> servers.postgres.restart(down);
      case CQL -> servers.cql.restart(down, CQL_START);
    }
  }

  @Override
  public void pause(Server server) {
    if (server != Server.CQL) {
      throw new UnsupportedOperationException("only the CQL server runs as a process of its own that can be frozen");
    }
    servers.cql.pause();
  }

  @Override
  public void resume(Server server) {
    if (server == Server.CQL) {
      servers.cql.resume();
    }
  }

  /** The in-JVM broker's meter starts again from zero when the broker restarts. */
  @Override
  public OptionalLong refusedProduceRequests() {
    long count = servers.kafka.failedProduceRequests();
    return count < 0 ? OptionalLong.empty() : OptionalLong.of(count);
  }

  @Override
  public void close() {
    servers.close();
  }
}
