package dev.freshet.common;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Opens the process-wide CQL session the same way in every service (ScyllaDB or Cassandra alike). */
public final class CqlSessions {
  private CqlSessions() {}

  /** {@code contactPoints} is {@code host:port[,host:port...]}. */
  public static CqlSession open(String contactPoints, String localDatacenter, Duration requestTimeout) {
    List<InetSocketAddress> points = Arrays.stream(contactPoints.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(CqlSessions::address)
        .toList();
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, requestTimeout)
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
        // The default backs off to a minute between attempts: a node back after an outage would
        // stay unused that long. Point lookups want it back within seconds.
        .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
        .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2))
        .build();
    return CqlSession.builder()
        .addContactPoints(points)
        .withLocalDatacenter(localDatacenter)
        .withConfigLoader(config)
        .build();
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return new InetSocketAddress(hostPort, 9042);
    }
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
