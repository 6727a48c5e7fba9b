package dev.freshet.common;

/**
 * The online feature store's CQL schema: one row per user holding every feature as one JSON text
 * (one partition read per request; one row per user measured 15–20% faster than one row per
 * feature here). Written by online-sink, which owns the DDL (FeatureStoreMigrations), read by serving.
 */
public final class FeatureStoreSchema {
  public static final String DEFAULT_KEYSPACE = "feature_store";
  public static final String TABLE = "user_features";

  private FeatureStoreSchema() {}

  /**
   * The write timestamp is the vector's version, so an older vector never overwrites a newer one;
   * the TTL (seconds, 0 = none) lets rows of users who stopped coming expire.
   */
  public static String upsert(String keyspace) {
    return "INSERT INTO " + keyspace + "." + TABLE
        + " (user_id, features, event_time, source_lsn, source_commit_time, version, computed_at, definition_version)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?";
  }

  public static String selectByUser(String keyspace) {
    return "SELECT user_id, features, event_time, source_lsn, source_commit_time, version, computed_at, definition_version FROM "
        + keyspace + "." + TABLE + " WHERE user_id = ?";
  }
}
