package dev.freshet.online;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import java.util.concurrent.CompletionStage;

/**
 * Writes feature vectors to the CQL store: one row per user, prepared statement, and the vector's
 * version as write timestamp, so replays and reordering can never regress a user's row.
 */
public final class FeatureStoreWriter {
  private final CqlSession session;
  private final PreparedStatement upsert;

  public FeatureStoreWriter(CqlSession session, String keyspace, int replicationFactor) {
    this.session = session;
    // Idempotent: safe on every start and from several sink instances at once.
    session.execute(FeatureStoreSchema.createKeyspace(keyspace, replicationFactor));
    session.execute(FeatureStoreSchema.createTable(keyspace));
    addDefinitionVersionColumn(session, keyspace);
    this.upsert = session.prepare(FeatureStoreSchema.upsert(keyspace));
  }

  public CompletionStage<AsyncResultSet> write(FeatureVector v) {
    return session.executeAsync(upsert.bind(
        v.userId(),
        Json.write(v.features()),
        v.eventTime(),
        v.sourceLsn(),
        v.sourceCommitTime(),
        v.version(),
        v.computedAt(),
        v.definitionVersion(),
        v.version()));
  }

  /** Tables created before definition versions existed lack the column; adding it twice is refused. */
  private static void addDefinitionVersionColumn(CqlSession session, String keyspace) {
    try {
      session.execute(FeatureStoreSchema.addDefinitionVersion(keyspace));
    } catch (InvalidQueryException e) {
      if (!e.getMessage().contains("already exist")) {
        throw e;
      }
    }
  }
}
