package dev.freshet.common;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.ssl.ProgrammaticSslEngineFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Opens the process-wide CQL session the same way in every service (ScyllaDB or Cassandra alike). */
public final class CqlSessions {
  private CqlSessions() {}

  /** {@code contactPoints} is {@code host:port[,host:port...]}; no speculative executions. */
  public static CqlSession open(String contactPoints, String localDatacenter, Duration requestTimeout) {
    return open(CqlConnection.plain(contactPoints, localDatacenter), requestTimeout, Duration.ZERO);
  }

  /**
   * As above; with a positive {@code speculativeDelay}, an idempotent request that has not been
   * answered after that long is also sent to the next replica (at most once), and the first answer
   * wins: a replica stalled by GC or compaction then costs the delay, not the request timeout.
   * Token-aware routing is the driver's default for prepared statements that bind the partition key.
   */
  public static CqlSession open(CqlConnection cql, Duration requestTimeout, Duration speculativeDelay) {
    List<InetSocketAddress> points = Arrays.stream(cql.contactPoints().split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(CqlSessions::address)
        .toList();
    ProgrammaticDriverConfigLoaderBuilder config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, requestTimeout)
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
        // The default backs off to a minute between attempts: a node back after an outage would
        // stay unused that long. Point lookups want it back within seconds.
        .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
        .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2));
    if (!speculativeDelay.isZero() && !speculativeDelay.isNegative()) {
      config = config
          .withString(DefaultDriverOption.SPECULATIVE_EXECUTION_POLICY_CLASS, "ConstantSpeculativeExecutionPolicy")
          .withInt(DefaultDriverOption.SPECULATIVE_EXECUTION_MAX, 2)
          .withDuration(DefaultDriverOption.SPECULATIVE_EXECUTION_DELAY, speculativeDelay);
    }
    CqlSessionBuilder session = CqlSession.builder()
        .addContactPoints(points)
        .withLocalDatacenter(cql.localDatacenter())
        .withConfigLoader(config.build());
    if (cql.username() != null) {
      session = session.withAuthCredentials(cql.username(), cql.password());
    }
    if (cql.trustedCa() != null) {
      session = session.withSslEngineFactory(new ProgrammaticSslEngineFactory(cql.sslContext(), null, cql.hostnameValidation()));
    }
    return session.build();
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return new InetSocketAddress(hostPort, 9042);
    }
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
