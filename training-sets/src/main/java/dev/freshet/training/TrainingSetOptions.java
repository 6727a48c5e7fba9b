package dev.freshet.training;

import dev.freshet.common.OfflineTables;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code bin/training-set} was asked for, parsed once at the edge.
 *
 * @param labels a CSV file (with a header) or Parquet file/directory of {@code user_id, label_time, label columns...}
 * @param features the features to export; empty: all the feature log has (served) or the definitions declare (exact)
 * @param definitions the feature definitions the exact mode computes (offline-sink's and feature-streams'
 *     {@code features.definitions}); null: the bundled ones
 * @param table the feature log, {@code namespace.table} in the catalog
 */
public record TrainingSetOptions(Path labels, List<String> features, Path out, Format format, Mode mode, Path definitions, String table,
    SparkCatalog catalog) {

  public enum Format { PARQUET, CSV, JSON }

  public enum Mode { SERVED, EXACT }

  static final String USAGE = """
      bin/training-set --labels FILE --out DIR [--features all|NAME,NAME...] [--format parquet|csv|json] [--mode served|exact]
                       [--definitions FILE (exact mode; default: the bundled ones)] [--table freshet.user_features_log]
                       """ + SparkCatalog.USAGE;

  /** Throws {@link IllegalArgumentException} naming the problem, with the usage. */
  public static TrainingSetOptions parse(String... args) {
    Map<String, String> given = JobFlags.parse(args, List.of("labels", "features", "out", "format", "mode", "definitions", "table"),
        List.of("labels", "out"), USAGE);
    String features = given.getOrDefault("features", "all");
    return new TrainingSetOptions(Path.of(given.get("labels")).toAbsolutePath(),
        features.equals("all") ? List.of() : List.of(features.split(",")),
        Path.of(given.get("out")).toAbsolutePath(),
        JobFlags.choice(Format.class, "format", given.getOrDefault("format", "parquet")),
        JobFlags.choice(Mode.class, "mode", given.getOrDefault("mode", "served")),
        given.containsKey("definitions") ? Path.of(given.get("definitions")).toAbsolutePath() : null,
        given.getOrDefault("table", OfflineTables.NAMESPACE + "." + OfflineTables.FEATURE_LOG),
        SparkCatalog.from(given));
  }

  /** The namespace of {@link #table}, where the change histories are too. */
  public String namespace() {
    int dot = table.lastIndexOf('.');
    return dot < 0 ? OfflineTables.NAMESPACE : table.substring(0, dot);
  }
}
