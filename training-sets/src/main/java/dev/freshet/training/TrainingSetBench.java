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
 * {@code bin/bench-training-set}: the served training set at scale, in local mode. Writes a
 * synthetic feature log (Iceberg, partitioned by day, 24 typed features like the bundled ones) of
 * {@code --vectors} vectors over {@code --users} users and 30 days, and {@code --labels} label rows
 * at random times, then times the export (Parquet) against a baseline in the same run (reading the
 * labels and writing them back unchanged), with Spark's default shuffle partitions and with the
 * job's local-mode default.
 */
public final class TrainingSetBench {
  private TrainingSetBench() {}

  public static void main(String[] args) throws Exception {
    long vectors = 10_000_000;
    long labels = 1_000_000;
    long users = 100_000;
    String master = "local[*]";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--vectors" -> vectors = Long.parseLong(args[i + 1]);
        case "--labels" -> labels = Long.parseLong(args[i + 1]);
        case "--users" -> users = Long.parseLong(args[i + 1]);
        case "--master" -> master = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --vectors --labels --users --master");
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
        System.out.printf(Locale.ROOT, "%nbench-training-set: %,d vectors of %,d users (written in %.0f s with the labels), %,d labels, %s%n"
                + "| step | wall time | label rows/s |%n|---|---|---|%n"
                + "| baseline: read the labels, write them back (Parquet) | %.1f s | %,.0f |%n"
                + "| served training set, all 24 features (Parquet), Spark's default 200 shuffle partitions | %.1f s | %,.0f |%n"
                + "| served training set, all 24 features (Parquet), %d shuffle partitions (bin/training-set's default here) | %.1f s | %,.0f |%n"
                + "machine: %d cores, load average %s%n",
            vectors, users, setup, rows, master, baseline, labels / baseline, sparkDefault, rows / sparkDefault,
            options.catalog().shufflePartitions(), served, rows / served,
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
