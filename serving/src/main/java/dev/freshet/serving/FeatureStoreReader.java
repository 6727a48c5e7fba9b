package dev.freshet.serving;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/** Point reads of one user's features from the CQL store (one partition, prepared statement). */
public final class FeatureStoreReader {
  private static final TypeReference<Map<String, Object>> FEATURES = new TypeReference<>() {};

  private final CqlSession session;
  private final PreparedStatement select;

  public FeatureStoreReader(CqlSession session, String keyspace) {
    this.session = session;
    this.select = session.prepare(FeatureStoreSchema.selectByUser(keyspace));
  }

  /** Empty when the store has no vector for the user; throws when the store cannot answer. */
  public Optional<FeatureVector> read(String userId) {
    Row row;
    try {
      row = session.execute(select.bind(userId)).one();
    } catch (DriverException e) {
      throw new FeatureStoreUnavailableException(e);
    }
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

  /** The store did not answer in time or at all. */
  public static final class FeatureStoreUnavailableException extends RuntimeException {
    FeatureStoreUnavailableException(DriverException cause) {
      super("feature store unavailable: " + cause.getMessage(), cause);
    }
  }
}
