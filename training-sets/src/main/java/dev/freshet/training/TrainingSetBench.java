package dev.freshet.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/bench-training-set}: both training sets at scale, in local mode. Writes a synthetic
 * feature log (Iceberg, partitioned by day, 24 typed features like the bundled ones) of
 * {@code --vectors} vectors over {@code --users} users and 30 days, change histories of
 * {@code --changes} change events of the bundled sources over the same users and days (80 %
 * inserts, 10 % updates, 10 % deletes, in {@code --partitions} topic partitions), and
 * {@code --labels} label rows at random times, then times the exports (Parquet) against a baseline
 * in the same run (reading the labels and writing them back unchanged): served with Spark's
 * default shuffle partitions and with the job's local-mode default, and exact (all 24 features of
 * the bundled definitions, recomputed).
 */
public final class TrainingSetBench {
  private TrainingSetBench() {}

  public static void main(String[] args) throws Exception {
    long vectors = 10_000_000;
    long labels = 1_000_000;
    long users = 100_000;
    long changes = 10_000_000;
    int partitions = 24;
    String master = "local[*]";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--vectors" -> vectors = Long.parseLong(args[i + 1]);
        case "--labels" -> labels = Long.parseLong(args[i + 1]);
        case "--users" -> users = Long.parseLong(args[i + 1]);
        case "--changes" -> changes = Long.parseLong(args[i + 1]);
        case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
        case "--master" -> master = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --vectors --labels --users --changes --partitions --master");
      }
    }
    Path dir = Files.createTempDirectory("freshet-bench-training-set");
    try {
      Path warehouse = Files.createDirectories(dir.resolve("warehouse"));
      TrainingSetOptions options = TrainingSetOptions.parse("--labels", dir.resolve("labels").toString(), "--out",
          dir.resolve("out").toString(), "--warehouse", warehouse.toString(), "--master", master);
      try (SparkSession spark = TrainingSet.session(options)) {
        long t0 = System.nanoTime();
        writeFeatureLog(spark, vectors, users);
        writeChangeHistories(spark, changes, users, partitions);
        spark.sql("SELECT 1 FROM range(" + labels + ")").selectExpr(
            "CAST(CAST(rand(7) * " + users + " AS BIGINT) AS STRING) AS user_id",
            "TIMESTAMP '2026-11-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, rand(8) * 30 * 86400) AS label_time",
            "CAST(rand(9) < 0.1 AS INT) AS clicked").write().parquet(options.labels().toString());
        double setup = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        spark.read().parquet(options.labels().toString()).write().mode("overwrite").parquet(dir.resolve("baseline").toString());
        double baseline = (System.nanoTime() - t1) / 1e9;

        spark.conf().set("spark.sql.shuffle.partitions", 200);
        long t2 = System.nanoTime();
        TrainingSet.run(spark, options);
        double sparkDefault = (System.nanoTime() - t2) / 1e9;

        spark.conf().set("spark.sql.shuffle.partitions", options.catalog().shufflePartitions());
        long t3 = System.nanoTime();
        long rows = TrainingSet.run(spark, options);
        double served = (System.nanoTime() - t3) / 1e9;
        TrainingSetOptions exactOptions = TrainingSetOptions.parse("--labels", options.labels().toString(), "--out",
            dir.resolve("out-exact").toString(), "--warehouse", warehouse.toString(), "--master", master, "--mode", "exact");
        long t4 = System.nanoTime();
        long exactRows = TrainingSet.run(spark, exactOptions);
        double exact = (System.nanoTime() - t4) / 1e9;
        System.out.printf(Locale.ROOT, "%nbench-training-set: %,d vectors and %,d change events of %,d users in %d topic partitions"
                + " (written in %.0f s with the labels), %,d labels, %s%n"
                + "| step | wall time | label rows/s |%n|---|---|---|%n"
                + "| baseline: read the labels, write them back (Parquet) | %.1f s | %,.0f |%n"
                + "| served training set, all 24 features (Parquet), Spark's default 200 shuffle partitions | %.1f s | %,.0f |%n"
                + "| served training set, all 24 features (Parquet), %d shuffle partitions (bin/training-set's default here) | %.1f s | %,.0f |%n"
                + "| exact training set, all 24 features recomputed from the change histories (Parquet), %d shuffle partitions | %.1f s | %,.0f |%n"
                + "machine: %d cores, load average %s%n",
            vectors, changes, users, partitions, setup, rows, master, baseline, labels / baseline, sparkDefault, rows / sparkDefault,
            options.catalog().shufflePartitions(), served, rows / served, exactOptions.catalog().shufflePartitions(), exact, exactRows / exact,
            Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim());
      }
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /**
   * Change events as ingest-cdc writes them (Debezium JSON) for the bundled sources, in the tables
   * offline-sink writes: change {@code i} commits at an even step over 30 days; 8 in 10 insert row
   * {@code i}, one updates and one deletes a row inserted 8 changes earlier; each in the topic
   * partition of its row's key; one users row per user.
   */
  private static void writeChangeHistories(SparkSession spark, long changes, long users, int partitions) {
    String columns = "kafka_partition, kafka_offset, op, lsn, commit_time, event_key, event";
    String committed = "TIMESTAMP '2026-11-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id * " + (30.0 * 86400 / Math.max(1, changes)) + ")";
    spark.sql("CREATE TABLE freshet.freshet.changes_events USING iceberg PARTITIONED BY (days(commit_time)) AS SELECT " + columns + " FROM ("
        + "SELECT CAST(row_id % " + partitions + " AS INT) AS kafka_partition, id AS kafka_offset, op, id AS lsn, commit_time,"
        + " to_json(named_struct('id', row_id)) AS event_key,"
        + " to_json(named_struct('before', IF(op = 'd', named_struct('id', row_id), NULL), 'after', IF(op = 'd', NULL, named_struct("
        + "   'id', row_id, 'user_id', row_id % " + users + ", 'kind', element_at(array('view', 'view', 'click', 'purchase'), CAST(1 + id % 4 AS INT)),"
        + "   'item', concat('item-', id % 37), 'category', element_at(array('books', 'music', 'films', 'games'), CAST(1 + id % 4 AS INT)),"
        + "   'author', concat('author-', id % 5), 'amount', IF(id % 4 = 3, CAST((id % 30000) / 100.0 AS STRING), NULL),"
        + "   'occurred_at', date_format(commit_time - make_interval(0, 0, 0, 0, 0, 0, id % 60), \"yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'\"))),"
        + "   'source', named_struct('lsn', id, 'ts_ms', unix_millis(commit_time)), 'op', op), map('ignoreNullFields', 'false')) AS event"
        + " FROM (SELECT id, " + committed + " AS commit_time, CASE id % 10 WHEN 8 THEN 'u' WHEN 9 THEN 'd' ELSE 'c' END AS op,"
        + "   CASE WHEN id % 10 >= 8 THEN id - 8 ELSE id END AS row_id FROM range(" + changes + ")))");
    spark.sql("CREATE TABLE freshet.freshet.changes_users USING iceberg AS SELECT " + columns + " FROM ("
        + "SELECT CAST(id % " + partitions + " AS INT) AS kafka_partition, id AS kafka_offset, 'c' AS op, id AS lsn,"
        + " TIMESTAMP '2026-10-31 00:00:00' AS commit_time, to_json(named_struct('id', id)) AS event_key,"
        + " to_json(named_struct('before', NULL, 'after', named_struct('id', id, 'country', 'FR', 'created_at', '2026-10-31T00:00:00Z'),"
        + "   'source', named_struct('lsn', id, 'ts_ms', unix_millis(TIMESTAMP '2026-10-31 00:00:00')), 'op', 'c'), map('ignoreNullFields', 'false')) AS event"
        + " FROM range(" + users + "))");
  }

  /** Vectors spread evenly over users and 30 days, with features of every type the feature log has. */
  private static void writeFeatureLog(SparkSession spark, long vectors, long users) {
    List<String> fields = new ArrayList<>();
    String[] categories = {"'books'", "'music'", "'films'", "'games'", "'garden'", "'kitchen'"};
    String pick = "element_at(array(" + String.join(", ", categories) + "), CAST(1 + (id * %d) %% 6 AS INT))";
    for (int i = 0; i < 8; i++) {
      fields.add("'count_" + i + "', CAST((id * " + (i + 3) + ") % 50 AS BIGINT)");
    }
    for (int i = 0; i < 6; i++) {
      fields.add("'amount_" + i + "', CAST(((id * " + (i + 7) + ") % 100000) / 100.0 AS DECIMAL(38, 9))");
    }
    for (int i = 0; i < 4; i++) {
      fields.add("'last_" + i + "', " + String.format(Locale.ROOT, pick, i + 5));
    }
    for (int i = 0; i < 4; i++) {
      fields.add("'top_" + i + "', array(" + String.format(Locale.ROOT, pick, i + 11) + ", " + String.format(Locale.ROOT, pick, i + 13) + ")");
    }
    fields.add("'last_event_at', TIMESTAMP '2026-11-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, (id % 2592000))");
    fields.add("'country', 'FR'");
    spark.sql("CREATE NAMESPACE IF NOT EXISTS freshet.freshet");
    spark.sql("SELECT 1 FROM range(1)"); // the session's catalog is ready
    spark.sql("CREATE TABLE freshet.freshet.user_features_log USING iceberg PARTITIONED BY (days(computed_at)) AS SELECT"
        + " CAST(id % " + users + " AS STRING) AS user_id,"
        + " TIMESTAMP '2026-11-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, (id DIV " + users + ") * " + (30L * 86400 * users / Math.max(1, vectors)) + " + (id % 997)) AS computed_at,"
        + " id AS version,"
        + " named_struct(" + String.join(", ", fields) + ") AS feature_values"
        + " FROM range(" + vectors + ")");
  }
}
