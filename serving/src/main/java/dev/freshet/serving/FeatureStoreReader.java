package dev.freshet.serving;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.freshet.common.CqlConnection;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Futures;
import dev.freshet.common.Json;
import dev.freshet.common.Schedulers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point reads of one user's features from the CQL store (one partition, prepared statement, one
 * session per process).
 *
 * <p>Serving must come up, and stay up, without the store: if the first connection or the prepare
 * fails (store down, or the table not created yet by online-sink), reads fail fast with
 * {@link FeatureStoreUnavailableException} while a background task tries again every
 * {@code retryEvery}. Once connected, the driver itself reconnects to nodes that come back.
 */
public final class FeatureStoreReader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStoreReader.class);
  private static final TypeReference<Map<String, Object>> FEATURES = new TypeReference<>() {};

  /** The session and the statement prepared on it: present together or not at all. */
  private record Connection(CqlSession session, PreparedStatement select, PreparedStatement selectWatermarks) {}

  private final Supplier<CqlSession> connect;
  private final boolean ownsSession;
  private final String keyspace;
  private final ScheduledExecutorService reconnect = Schedulers.daemon("feature-store-connect");
  private volatile Connection connection;
  private volatile CqlSession pendingSession;
  private volatile String lastError = "not connected yet";

  public FeatureStoreReader(CqlConnection cql, Duration requestTimeout, Duration speculativeDelay, String keyspace, Duration retryEvery) {
    this(() -> CqlSessions.open(cql, requestTimeout, speculativeDelay), true, keyspace, retryEvery);
  }

  /** Reads through a session the caller owns and closes (tests, tools). */
  public FeatureStoreReader(CqlSession session, String keyspace) {
    this(() -> session, false, keyspace, Duration.ofSeconds(1));
  }

  private FeatureStoreReader(Supplier<CqlSession> connect, boolean ownsSession, String keyspace, Duration retryEvery) {
    this.connect = connect;
    this.ownsSession = ownsSession;
    this.keyspace = keyspace;
    tryConnect();
    reconnect.scheduleWithFixedDelay(() -> {
      if (connection == null) {
        tryConnect();
      }
    }, retryEvery.toMillis(), retryEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void tryConnect() {
    try {
      CqlSession session = pendingSession != null ? pendingSession : connect.get();
      pendingSession = session;
      // Reads are idempotent: the driver may retry them and speculate on them.
      connection = new Connection(session,
          session.prepare(SimpleStatement.newInstance(FeatureStoreSchema.selectByUser(keyspace)).setIdempotent(true)),
          session.prepare(SimpleStatement.newInstance(FeatureStoreSchema.selectWatermarks(keyspace)).setIdempotent(true)));
      pendingSession = null;
      LOG.info("feature store connected (keyspace {})", keyspace);
    } catch (DriverException | IllegalStateException e) {
      if (!Objects.equals(e.getMessage(), lastError)) {
        LOG.warn("feature store not available yet, retrying: {}", e.getMessage());
      }
      lastError = e.getMessage();
    }
  }

  /** Empty when the store has no vector for the user; throws when the store cannot answer. */
  public Optional<FeatureVector> read(String userId) {
    Connection c = connected();
    try {
      return vectorOf(userId, c.session().execute(c.select().bind(userId)).one());
    } catch (DriverException e) {
      throw new FeatureStoreUnavailableException(e.getMessage(), e);
    }
  }

  /** {@link #read} without blocking, for fetching many users at once. */
  public CompletableFuture<Optional<FeatureVector>> readAsync(String userId) {
    Connection c;
    try {
      c = connected();
    } catch (FeatureStoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    return c.session().executeAsync(c.select().bind(userId)).toCompletableFuture()
        .handle((rs, error) -> {
          if (error != null) {
            Throwable cause = Futures.cause(error);
            throw new FeatureStoreUnavailableException(cause.getMessage(), cause instanceof DriverException d ? d : null);
          }
          return vectorOf(userId, rs.one());
        });
  }

  /**
   * The LSN below which every transaction of {@code source} is applied to the store: the minimum
   * over the features topic's partitions, empty until every partition has recorded one.
   */
  public OptionalLong watermark(String source) {
    Connection c = connected();
    try {
      long min = Long.MAX_VALUE;
      int rows = 0;
      int partitions = Integer.MAX_VALUE;
      for (Row row : c.session().execute(c.selectWatermarks().bind(source))) {
        rows++;
        partitions = row.getInt("partitions");
        min = Math.min(min, row.getLong("lsn"));
      }
      return rows > 0 && rows >= partitions ? OptionalLong.of(min) : OptionalLong.empty();
    } catch (DriverException e) {
      throw new FeatureStoreUnavailableException(e.getMessage(), e);
    }
  }

  private Connection connected() {
    Connection c = connection;
    if (c == null) {
      throw new FeatureStoreUnavailableException("not connected: " + lastError, null);
    }
    return c;
  }

  private static Optional<FeatureVector> vectorOf(String userId, Row row) {
    if (row == null) {
      return Optional.empty();
    }
    Map<String, Object> features;
    try {
      features = Json.MAPPER.readValue(row.getString("features"), FEATURES);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable features for user " + userId, e);
    }
    return Optional.of(new FeatureVector(
        row.getString("user_id"),
        features,
        row.getInstant("event_time"),
        row.getLong("source_lsn"),
        row.getInstant("source_commit_time"),
        row.getLong("version"),
        row.getInstant("computed_at"),
        row.getInt("definition_version")));
  }

  /** Connected and at least one node up: what /ready reports. */
  public boolean reachable() {
    Connection c = connection;
    return c != null && c.session().getMetadata().getNodes().values().stream().anyMatch(n -> n.getState() == NodeState.UP);
  }

  @Override
  public void close() {
    reconnect.shutdownNow();
    Connection c = connection;
    CqlSession session = c != null ? c.session() : pendingSession;
    if (ownsSession && session != null) {
      session.close();
    }
  }

  /** The store did not answer in time or at all. */
  public static final class FeatureStoreUnavailableException extends RuntimeException {
    FeatureStoreUnavailableException(String message, DriverException cause) {
      super("feature store unavailable: " + message, cause);
    }
  }
}
