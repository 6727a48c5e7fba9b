package dev.freshet.training;

import dev.freshet.common.OfflineTables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/maintain-tables}: Iceberg's own maintenance, by Iceberg's Spark procedures, for every
 * table offline-sink writes (feature log, generation log, change histories): small files rewritten
 * into large ones (sorted by the table's sort order where it has one; deletes of forgotten users
 * applied and the delete files dropped), snapshots older than a cutoff expired (their files
 * deleted: a forgotten user's rows leave the old snapshots too), and files no snapshot references
 * removed (what a crashed commit left).
 *
 * <p>Safe beside a running offline-sink: a rewrite only replaces files (the sink's next commit
 * goes on top of it); the sink resumes from the newest snapshot that recorded its Kafka offsets,
 * and the expiry keeps {@code --retain-last} snapshots, so that one is always kept.
 */
public final class TableMaintenance {
  private TableMaintenance() {}

  /** What one run did to one table. */
  public record Done(String table, long dataFilesBefore, long dataFilesAfter, long snapshotsExpired, long orphansRemoved) {}

  static final String USAGE = """
      bin/maintain-tables [--namespace freshet] [--expire-older-than 7d] [--retain-last 100] [--orphans-older-than 3d]
                          """ + SparkCatalog.USAGE;

  public static void main(String[] args) {
    JobFlags.run("table maintenance", () -> {
      Map<String, String> given = JobFlags.parse(args, List.of("namespace", "expire-older-than", "retain-last", "orphans-older-than"),
          List.of(), USAGE);
      SparkCatalog catalog = SparkCatalog.from(given);
      catalog.requireExists();
      try (SparkSession spark = catalog.session("freshet-table-maintenance")) {
        Instant now = Instant.now();
        List<Done> done = run(spark, given.getOrDefault("namespace", OfflineTables.NAMESPACE),
            now.minus(duration("expire-older-than", given.getOrDefault("expire-older-than", "7d"))),
            JobFlags.positive("retain-last", given.getOrDefault("retain-last", "100")),
            now.minus(duration("orphans-older-than", given.getOrDefault("orphans-older-than", "3d"))));
        System.out.println("| table | data files before | after | snapshots expired | orphan files removed |");
        System.out.println("|---|---|---|---|---|");
        done.forEach(d -> System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d |%n", d.table(), d.dataFilesBefore(), d.dataFilesAfter(),
            d.snapshotsExpired(), d.orphansRemoved()));
      }
    });
  }

  /**
   * Maintains every table of {@code namespace}: rewrite, then expire snapshots older than
   * {@code expireBefore} (keeping the last {@code retainLast}), then remove unreferenced files older
   * than {@code orphansBefore} (younger ones may belong to a commit in progress).
   */
  public static List<Done> run(SparkSession spark, String namespace, Instant expireBefore, int retainLast, Instant orphansBefore) {
    List<Done> done = new ArrayList<>();
    for (Row t : spark.sql("SHOW TABLES IN " + SparkCatalog.NAME + "." + namespace).collectAsList()) {
      String table = namespace + "." + t.getString(t.fieldIndex("tableName"));
      String qualified = SparkCatalog.NAME + "." + table;
      long before = dataFiles(spark, qualified);
      // Iceberg's Spark tables show their sort order as the reserved property sort-order.
      boolean sorted = spark.sql("SHOW TBLPROPERTIES " + qualified).collectAsList().stream()
          .anyMatch(p -> p.getString(0).equals("sort-order") && !p.getString(1).isBlank());
      spark.sql("CALL " + SparkCatalog.NAME + ".system.rewrite_data_files(table => '" + qualified + "', strategy => '"
          + (sorted ? "sort" : "binpack") + "', options => map('min-input-files', '2', 'remove-dangling-deletes', 'true'))").collectAsList();
      Row expired = spark.sql("CALL " + SparkCatalog.NAME + ".system.expire_snapshots(table => '" + qualified + "', older_than => TIMESTAMP '"
          + expireBefore + "', retain_last => " + retainLast + ")").first();
      long snapshotsExpired = expired.getLong(expired.fieldIndex("deleted_manifest_lists_count"));
      long orphans = spark.sql("CALL " + SparkCatalog.NAME + ".system.remove_orphan_files(table => '" + qualified + "', older_than => TIMESTAMP '"
          + orphansBefore + "')").count();
      done.add(new Done(table, before, dataFiles(spark, qualified), snapshotsExpired, orphans));
    }
    return done;
  }

  private static long dataFiles(SparkSession spark, String qualified) {
    return spark.sql("SELECT count(*) FROM " + qualified + ".data_files").first().getLong(0);
  }

  /** {@code 7d}, {@code 12h}, {@code 30m}. */
  static Duration duration(String option, String value) {
    if (value.matches("\\d+[dhm]")) {
      long n = Long.parseLong(value.substring(0, value.length() - 1));
      return switch (value.charAt(value.length() - 1)) {
        case 'd' -> Duration.ofDays(n);
        case 'h' -> Duration.ofHours(n);
        default -> Duration.ofMinutes(n);
      };
    }
    throw new IllegalArgumentException("--" + option + " must be a number of days, hours or minutes such as 7d, 12h, 30m, not '" + value + "'");
  }
}
