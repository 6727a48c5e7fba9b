package dev.freshet.training;

import dev.freshet.common.OfflineTables;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code bin/training-set} was asked for, parsed once at the edge.
 *
 * @param labels a CSV file (with a header) or Parquet file/directory of {@code user_id, label_time, label columns...}
 * @param features the features to export; empty: all the feature log has (served) or the definitions declare (exact)
 * @param definitions the feature definitions the exact mode computes (offline-sink's and feature-streams'
 *     {@code features.definitions}); null: the bundled ones
 * @param catalogUri the Iceberg JDBC catalog offline-sink writes (by default SQLite in the warehouse)
 * @param table the feature log, {@code namespace.table} in that catalog
 * @param master Spark's master: {@code local[*]} here, a cluster's under {@code spark-submit}
 * @param shufflePartitions partitions of each shuffle; 0: Spark's own setting (200 unless configured), which
 *     suits a cluster. In local mode 8 per core by default: 200 tasks per shuffle on 2 cores made the
 *     benchmark's export 45 % slower
 */
public record TrainingSetOptions(Path labels, List<String> features, Path out, Format format, Mode mode, Path definitions, Path warehouse,
    String catalogUri, String table, String master, int shufflePartitions) {

  public enum Format { PARQUET, CSV }

  public enum Mode { SERVED, EXACT }

  /** The namespace of {@link #table}, where the change histories are too. */
  public String namespace() {
    int dot = table.lastIndexOf('.');
    return dot < 0 ? OfflineTables.NAMESPACE : table.substring(0, dot);
  }

  static final String USAGE = """
      bin/training-set --labels FILE --out DIR [--features all|NAME,NAME...] [--format parquet|csv] [--mode served|exact]
                       [--definitions FILE (exact mode; default: the bundled ones)]
                       [--warehouse .freshet/local/warehouse] [--catalog-uri jdbc:sqlite:WAREHOUSE/catalog.db]
                       [--table freshet.user_features_log] [--master local[*]] [--shuffle-partitions 8 per local core, else Spark's]""";
  private static final Set<String> NAMES = Set.of("labels", "features", "out", "format", "mode", "definitions", "warehouse", "catalog-uri", "table", "master",
      "shuffle-partitions");

  /** Throws {@link IllegalArgumentException} naming the problem, with the usage. */
  public static TrainingSetOptions parse(String... args) {
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !NAMES.contains(name) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'\n" + USAGE);
      }
      given.put(name, args[i + 1]);
    }
    for (String required : List.of("labels", "out")) {
      if (!given.containsKey(required)) {
        throw new IllegalArgumentException("--" + required + " is required\n" + USAGE);
      }
    }
    Path warehouse = Path.of(given.getOrDefault("warehouse", ".freshet/local/warehouse")).toAbsolutePath();
    String features = given.getOrDefault("features", "all");
    String master = given.getOrDefault("master", "local[*]");
    return new TrainingSetOptions(Path.of(given.get("labels")).toAbsolutePath(),
        features.equals("all") ? List.of() : List.of(features.split(",")),
        Path.of(given.get("out")).toAbsolutePath(),
        choice(Format.class, "format", given.getOrDefault("format", "parquet")),
        choice(Mode.class, "mode", given.getOrDefault("mode", "served")),
        given.containsKey("definitions") ? Path.of(given.get("definitions")).toAbsolutePath() : null,
        warehouse,
        given.getOrDefault("catalog-uri", "jdbc:sqlite:" + warehouse.resolve("catalog.db")),
        given.getOrDefault("table", OfflineTables.NAMESPACE + "." + OfflineTables.FEATURE_LOG),
        master,
        given.containsKey("shuffle-partitions") ? positive("shuffle-partitions", given.get("shuffle-partitions")) : 8 * localCores(master));
  }

  /** Cores of a {@code local}, {@code local[N]} or {@code local[*]} master; 0 for a cluster's. */
  private static int localCores(String master) {
    if (master.equals("local")) {
      return 1;
    }
    if (master.equals("local[*]")) {
      return Runtime.getRuntime().availableProcessors();
    }
    return master.matches("local\\[\\d+]") ? Integer.parseInt(master.substring(6, master.length() - 1)) : 0;
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--" + option + " must be a positive number, not '" + value + "'");
  }

  private static <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value)) {
        return e;
      }
    }
    throw new IllegalArgumentException("--" + option + " must be one of " + List.of(type.getEnumConstants()).toString().toLowerCase()
        + ", not '" + value + "'");
  }
}
