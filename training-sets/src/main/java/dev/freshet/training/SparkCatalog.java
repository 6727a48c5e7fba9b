package dev.freshet.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Where the jobs find offline-sink's Iceberg tables and how Spark runs them: the flags every job
 * takes ({@code --warehouse --catalog-uri --master --shuffle-partitions}).
 *
 * @param catalogUri the Iceberg JDBC catalog offline-sink writes (by default SQLite in the warehouse)
 * @param master Spark's master: {@code local[*]} by default; null under {@code spark-submit}, whose {@code --master} rules
 * @param shufflePartitions partitions of each shuffle; 0: Spark's own setting (200 unless configured), which
 *     suits a cluster. In local mode 8 per core by default: 200 tasks per shuffle on 2 cores made the
 *     benchmark's export 45 % slower
 */
public record SparkCatalog(Path warehouse, String catalogUri, String master, int shufflePartitions) {
  /** The catalog's name in Spark: a table is {@code freshet.<namespace>.<table>}. */
  public static final String NAME = "freshet";
  static final List<String> FLAGS = List.of("warehouse", "catalog-uri", "master", "shuffle-partitions");
  static final String USAGE = "[--warehouse .freshet/local/warehouse] [--catalog-uri jdbc:sqlite:WAREHOUSE/catalog.db]"
      + " [--master local[*]] [--shuffle-partitions 8 per local core, else Spark's]";

  static SparkCatalog from(Map<String, String> flags) {
    Path warehouse = Path.of(flags.getOrDefault("warehouse", ".freshet/local/warehouse")).toAbsolutePath();
    // Under spark-submit (which sets spark.master) its --master rules; on its own the job runs locally.
    String master = flags.getOrDefault("master", System.getProperty("spark.master") != null ? null : "local[*]");
    return new SparkCatalog(warehouse,
        flags.getOrDefault("catalog-uri", "jdbc:sqlite:" + warehouse.resolve("catalog.db")),
        master,
        flags.containsKey("shuffle-partitions") ? JobFlags.positive("shuffle-partitions", flags.get("shuffle-partitions")) : 8 * localCores(master));
  }

  /** Refuses a SQLite catalog that is not there (Iceberg would create an empty one and report every table missing). */
  void requireExists() {
    String sqlite = "jdbc:sqlite:";
    if (catalogUri.startsWith(sqlite) && !Files.exists(Path.of(catalogUri.substring(sqlite.length())))) {
      throw new IllegalArgumentException("no Iceberg catalog at " + catalogUri + ": point --warehouse at offline-sink's iceberg.warehouse"
          + " (or --catalog-uri at its iceberg.catalog-uri)");
    }
  }

  /** A session with the catalog configured as any Spark user would: Iceberg's SparkCatalog, type jdbc. */
  SparkSession session(String appName) {
    String catalog = "spark.sql.catalog." + NAME;
    SparkSession.Builder builder = SparkSession.builder();
    if (master != null) {
      builder.master(master);
    }
    if (master != null && master.startsWith("local")) {
      // Loopback only, no web UI: nothing else needs to reach a local run.
      builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false");
    }
    SparkSession spark = builder
        .appName(appName)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "true")
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config(catalog, "org.apache.iceberg.spark.SparkCatalog")
        .config(catalog + ".type", "jdbc")
        .config(catalog + ".uri", catalogUri)
        .config(catalog + ".warehouse", warehouse.toUri().toString())
        .config(catalog + ".jdbc.schema-version", "V1")
        .getOrCreate();
    if (shufflePartitions > 0) {
      spark.conf().set("spark.sql.shuffle.partitions", shufflePartitions);
    }
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /** Cores of a {@code local}, {@code local[N]} or {@code local[*]} master; 0 for a cluster's. */
  private static int localCores(String master) {
    if (master == null) {
      return 0;
    }
    if (master.equals("local")) {
      return 1;
    }
    if (master.equals("local[*]")) {
      return Runtime.getRuntime().availableProcessors();
    }
    return master.matches("local\\[\\d+]") ? Integer.parseInt(master.substring(6, master.length() - 1)) : 0;
  }
}
