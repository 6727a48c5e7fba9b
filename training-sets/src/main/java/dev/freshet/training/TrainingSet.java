package dev.freshet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.to_json;

import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * {@code bin/training-set}: a point-in-time training set from the Iceberg feature log, on Spark
 * (local mode here; the same job under {@code spark-submit} on a cluster). The tables are read
 * through Iceberg's Spark runtime with the catalog configured as any Spark user would.
 */
public final class TrainingSet {
  private TrainingSet() {}

  public static void main(String[] args) {
    JobFlags.run("training set", () -> {
      TrainingSetOptions options = TrainingSetOptions.parse(args);
      options.catalog().requireExists();
      long started = System.nanoTime();
      try (SparkSession spark = session(options)) {
        long rows = run(spark, options);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "training set: %d label rows in %.1f s (%.0f rows/s), %s, mode %s -> %s%n", rows, seconds,
            rows / seconds, options.format().name().toLowerCase(Locale.ROOT), options.mode().name().toLowerCase(Locale.ROOT), options.out());
      }
    });
  }

  static SparkSession session(TrainingSetOptions options) {
    return options.catalog().session("freshet-training-set");
  }

  /** Writes the training set; returns its row count (one per label). */
  static long run(SparkSession spark, TrainingSetOptions options) {
    Dataset<Row> labels = labels(spark, options);
    boolean exact = options.mode() == TrainingSetOptions.Mode.EXACT;
    LongAccumulator notApplied = spark.sparkContext().longAccumulator("change events that changed no user");
    Dataset<Row> set = exact ? exact(spark, options, labels, notApplied) : served(spark, options, labels);
    boolean csv = options.format() == TrainingSetOptions.Format.CSV;
    if (csv) {
      set = set.select(csvColumns(set.schema()));
    }
    String format = options.format().name().toLowerCase(Locale.ROOT);
    Map<String, String> writeOptions = switch (options.format()) {
      // RFC 4180 (a quote inside a field is doubled), which pandas and spreadsheets read.
      case CSV -> Map.of("header", "true", "escape", "\"");
      // JSON lines with every column, also a null one, and timestamps to the microsecond: Spark's defaults drop both.
      case JSON -> Map.of("ignoreNullFields", "false", "timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");
      case PARQUET -> Map.of();
    };
    set.write().mode("overwrite").format(format).options(writeOptions).save(options.out().toString());
    if (exact) {
      System.out.println("exact: " + notApplied.value() + " change events changed no user (malformed or late: the stream dead-lettered"
          + " them too; or the delete of a row never seen)");
    }
    spark.catalog().clearCache(); // what the join persisted for its two uses
    return spark.read().format(format).options(writeOptions).load(options.out().toString()).count();
  }

  private static Dataset<Row> served(SparkSession spark, TrainingSetOptions options, Dataset<Row> labels) {
    Dataset<Row> log = spark.table(SparkCatalog.NAME + "." + options.table());
    List<String> available = Arrays.asList(((StructType) log.schema().apply("feature_values").dataType()).fieldNames());
    return ServedMode.join(labels, log, chosen(options, available, "the feature log has"));
  }

  private static Dataset<Row> exact(SparkSession spark, TrainingSetOptions options, Dataset<Row> labels, LongAccumulator notApplied) {
    String yaml = JobFlags.definitionsText(options.definitions());
    FeatureDefinitions definitions = FeatureDefinitions.parse(yaml, "definitions");
    Map<String, Dataset<Row>> changes = ExactMode.changeHistories(spark, options.namespace(), definitions);
    List<String> features = chosen(options, definitions.features().map(FeatureDefinition::name).toList(), "the definitions declare");
    return ExactMode.join(labels, changes, yaml, features, notApplied);
  }

  /** The features asked for (all when none were named), each one of {@code available}. */
  private static List<String> chosen(TrainingSetOptions options, List<String> available, String where) {
    List<String> features = options.features().isEmpty() ? available : options.features();
    List<String> unknown = features.stream().filter(f -> !available.contains(f)).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown features " + unknown + "; " + where + " " + available);
    }
    return features;
  }

  /** The labels with {@code user_id} as a string and {@code label_time} as a timestamp; a row lacking either is refused. */
  static Dataset<Row> labels(SparkSession spark, TrainingSetOptions options) {
    String path = options.labels().toString();
    Dataset<Row> raw = path.endsWith(".csv")
        ? spark.read().option("header", "true").option("inferSchema", "true").csv(path)
        : spark.read().parquet(path);
    for (String required : List.of("user_id", "label_time")) {
      if (!Arrays.asList(raw.columns()).contains(required)) {
        throw new IllegalArgumentException("the labels " + path + " have no column " + required + " (columns: " + Arrays.toString(raw.columns()) + ")");
      }
    }
    Dataset<Row> labels = raw.withColumn("user_id", col("user_id").cast("string")).withColumn("label_time", col("label_time").cast("timestamp"));
    long unusable = labels.where(col("user_id").isNull().or(col("label_time").isNull())).count();
    if (unusable > 0) {
      throw new IllegalArgumentException(unusable + " label rows of " + path + " have no user_id or no label_time that reads as a timestamp");
    }
    return labels;
  }

  /** CSV has no lists: they go as JSON arrays; decimals in plain notation (the writer would print zero as 0E-9). */
  private static Column[] csvColumns(StructType schema) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : schema.fields()) {
      Column c = col("`" + f.name() + "`");
      if (f.dataType() instanceof ArrayType) {
        c = to_json(c);
      } else if (f.dataType() instanceof DecimalType d) {
        // Spark prints a decimal (also when cast to string) as BigDecimal.toString: 0E-9 for zero.
        c = regexp_replace(format_number(c, d.scale()), ",", "");
      }
      columns.add(c.as(f.name()));
    }
    return columns.toArray(Column[]::new);
  }
}
