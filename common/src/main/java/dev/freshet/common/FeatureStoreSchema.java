package dev.freshet.common;

/**
 * The online feature store's CQL schema: one row per user holding every feature as one JSON text
 * (one partition read per request; one row per user measured 15–20% faster than one row per
 * feature here). Written by online-sink, which owns the DDL (FeatureStoreMigrations), read by serving.
 */
public final class FeatureStoreSchema {
  public static final String DEFAULT_KEYSPACE = "feature_store";
  public static final String TABLE = "user_features";
  /**
   * Per source and features-topic partition, the LSN below which every source transaction is
   * applied to {@link #TABLE}; a source's watermark is the minimum over its partitions' rows
   * (unknown until all {@code partitions} rows exist). Written with the LSN as write timestamp,
   * so it never goes back.
   */
  public static final String WATERMARK_TABLE = "freshness_watermarks";

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

  public static String upsertWatermark(String keyspace) {
    return "INSERT INTO " + keyspace + "." + WATERMARK_TABLE + " (source, partition, partitions, lsn, updated_at)"
        + " VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?";
  }

  public static String selectWatermarks(String keyspace) {
    return "SELECT partition, partitions, lsn FROM " + keyspace + "." + WATERMARK_TABLE + " WHERE source = ?";
  }
}
