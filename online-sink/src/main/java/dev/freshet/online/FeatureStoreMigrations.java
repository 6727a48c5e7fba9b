package dev.freshet.online;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import dev.freshet.common.FeatureStoreSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature store's schema as numbered migrations, applied in order and recorded in
 * {@code <keyspace>.schema_migrations}. Each step is idempotent on its own (IF NOT EXISTS, or a
 * check of {@code system_schema} before an ALTER), so two sinks starting at once, or a step that
 * ran but was not recorded, are safe; a recorded step is never run again.
 *
 * <p>Table options are chosen for a read-heavy point-lookup workload (one partition per user,
 * read by every request, overwritten by every change): leveled compaction keeps a partition in
 * about one SSTable per level, so a read touches few files, at the price of write amplification
 * that small vectors make cheap; a 1% bloom filter false-positive rate lets reads of unknown users
 * skip SSTables; 4 KiB compression chunks mean a point read decompresses 4 KiB, not 16; keys and
 * rows are cached.
 */
public final class FeatureStoreMigrations {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStoreMigrations.class);
  static final String MIGRATIONS_TABLE = "schema_migrations";
  private static final Pattern ADD_COLUMN = Pattern.compile("ALTER TABLE \\S+\\.(\\S+) ADD (\\S+) ");

  /** Schema statements' own timeout (see {@link #ddl}). */
  static final Duration DDL_TIMEOUT = Duration.ofSeconds(30);

  /** One numbered step; {@code statements} run in order. */
  record Migration(int version, String description, List<String> statements) {}

  private FeatureStoreMigrations() {}

  static List<Migration> all(String keyspace) {
    String table = keyspace + "." + FeatureStoreSchema.TABLE;
    return List.of(
        new Migration(1, "user_features: one row per user, options for point reads", List.of(
            "CREATE TABLE IF NOT EXISTS " + table + " (user_id text PRIMARY KEY, features text, event_time timestamp, "
                + "source_lsn bigint, source_commit_time timestamp, version bigint, computed_at timestamp)",
            "ALTER TABLE " + table + " WITH compaction = {'class': 'LeveledCompactionStrategy'}"
                + " AND bloom_filter_fp_chance = 0.01"
                + " AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 4}"
                + " AND caching = {'keys': 'ALL', 'rows_per_partition': 'ALL'}")),
        new Migration(2, "user_features.definition_version", List.of(
            "ALTER TABLE " + table + " ADD definition_version int")),
        new Migration(3, "freshness_watermarks: per source and partition, the LSN applied up to", List.of(
            "CREATE TABLE IF NOT EXISTS " + keyspace + "." + FeatureStoreSchema.WATERMARK_TABLE
                + " (source text, partition int, partitions int, lsn bigint, updated_at timestamp,"
                + " PRIMARY KEY (source, partition))")));
  }

  /**
   * The keyspace's replication: {@code NetworkTopologyStrategy} with the given per-datacenter
   * factors ({@code dc1=3,dc2=3}), or {@code SimpleStrategy} with {@code factor} when none are given.
   */
  public static String replication(int factor, String datacenters) {
    if (datacenters == null || datacenters.isBlank()) {
      return "{'class': 'SimpleStrategy', 'replication_factor': " + factor + "}";
    }
    Map<String, String> dcs = new LinkedHashMap<>();
    for (String part : datacenters.split(",")) {
      String[] kv = part.trim().split("=");
      if (kv.length != 2 || !kv[1].trim().matches("\\d+")) {
        throw new IllegalArgumentException("cql.replication-datacenters: expected dc=factor[,dc=factor], got '" + datacenters + "'");
      }
      dcs.put(kv[0].trim(), kv[1].trim());
    }
    return "{'class': 'NetworkTopologyStrategy', "
        + dcs.entrySet().stream().map(e -> "'" + e.getKey() + "': " + e.getValue()).collect(Collectors.joining(", ")) + "}";
  }

  /** Creates the keyspace if missing and applies the steps not yet recorded; returns their versions. */
  public static List<Integer> apply(CqlSession session, String keyspace, String replication) {
    session.execute(ddl("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication));
    session.execute(ddl("CREATE TABLE IF NOT EXISTS " + keyspace + "." + MIGRATIONS_TABLE
        + " (version int PRIMARY KEY, description text, applied_at timestamp)"));
    Set<Integer> applied = new HashSet<>();
    for (Row row : session.execute("SELECT version FROM " + keyspace + "." + MIGRATIONS_TABLE)) {
      applied.add(row.getInt("version"));
    }
    List<Integer> now = new ArrayList<>();
    for (Migration m : all(keyspace)) {
      if (applied.contains(m.version())) {
        continue;
      }
      for (String statement : m.statements()) {
        if (!alreadyDone(session, keyspace, statement)) {
          session.execute(ddl(statement));
        }
      }
      session.execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + "." + MIGRATIONS_TABLE
          + " (version, description, applied_at) VALUES (?, ?, ?) IF NOT EXISTS", m.version(), m.description(), Instant.now()));
      LOG.info("feature store {}: applied migration {} ({})", keyspace, m.version(), m.description());
      now.add(m.version());
    }
    return now;
  }

  /**
   * A schema change waits for every node to agree, far longer than a write on a busy cluster (2 s
   * timed out on a loaded test box and the sink failed to start): its own timeout, not the
   * session's request timeout.
   */
  private static SimpleStatement ddl(String statement) {
    return SimpleStatement.newInstance(statement).setTimeout(DDL_TIMEOUT);
  }

  /** CQL has no ADD COLUMN IF NOT EXISTS: look the column up first. */
  private static boolean alreadyDone(CqlSession session, String keyspace, String statement) {
    Matcher add = ADD_COLUMN.matcher(statement);
    if (!add.find()) {
      return false;
    }
    return session.execute(SimpleStatement.newInstance(
        "SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? AND column_name = ?",
        keyspace, add.group(1), add.group(2))).one() != null;
  }
}
