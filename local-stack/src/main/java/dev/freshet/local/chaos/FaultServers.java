package dev.freshet.local.chaos;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The real servers a chaos run puts faults into: one seam, so the same run works on servers this
 * machine starts itself ({@link EmbeddedFaultServers}) or on containers where a Docker engine exists.
 */
public interface FaultServers extends AutoCloseable {
  enum Server { KAFKA, POSTGRES, CQL }

  String kafkaBootstrapServers();

  String postgresHost();

  int postgresPort();

  /** A superuser: creates the run's database; the CDC connector logs in as it too. */
  String postgresUser();

  String postgresPassword();

  String cqlContactPoint();

  String cqlLocalDatacenter();

  /** Stops {@code server}, leaves it down for {@code down}, and starts it again on the same data and address. */
  void restart(Server server, Duration down) throws Exception;

  /** Freezes {@code server}: connections stay open and nothing answers, as in a network stall. */
  void pause(Server server);

  void resume(Server server);

  /** Produce requests the broker refused so far, where its metrics can be read. */
  OptionalLong refusedProduceRequests();

  @Override
  void close();
}
