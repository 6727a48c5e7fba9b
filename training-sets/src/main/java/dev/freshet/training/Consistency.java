package dev.freshet.training;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import scala.collection.Seq;

/**
 * {@code bin/consistency}: online/offline consistency, measured as Chronon does. Each personalised
 * answer of {@code /v1/generate} in the generation log names the vector it was built from (user,
 * version); that vector, whole, is read from the feature log, and compared feature by feature with
 * the {@code exact} training-set value at the answer's time (recomputed from the change
 * histories by the stream's engine) — or, {@code --at computed}, at the time the vector was computed. Per feature: compared answers, mismatches (both present,
 * different), missing (served null, exact present), extra (served present, exact null), SMAPE for
 * numbers and the mean edit distance for lists.
 *
 * <p>A served vector is at most {@code features.max-staleness} behind the source, so an answer
 * given right after a change (or a window edge) compares a vector from before it with the exact
 * value after it: those count as mismatches here, as in Chronon, and measure freshness as much as
 * exactness. {@code --at computed} leaves freshness out: it checks each served vector against the
 * exact values at its own time, which differ only by the changes the stream had not applied yet.
 */
public final class Consistency {
  private static final String EDIT_DISTANCE = "freshet_list_edit_distance";

  private Consistency() {}

  /** One feature's figures. {@code smape} (percent, numbers) and {@code editDistance} (lists) are null where they do not apply or nothing was compared. */
  public record FeatureConsistency(String feature, long compared, long mismatches, long missing, long extra, Double smape,
      Double editDistance) {
    double mismatchRate() {
      return compared == 0 ? 0 : (double) (mismatches + missing + extra) / compared;
    }
  }

  /** The answers of one hour (by their label time) and each feature's figures over them. */
  public record Period(Instant hour, long answers, long vectorsNotLogged, List<FeatureConsistency> features) {}

  /** The answers compared, those whose vector the feature log lacks, each feature's figures, and the same hour by hour. */
  public record Report(long answers, long vectorsNotLogged, List<FeatureConsistency> features, List<Period> byHour) {}

  public static void main(String[] args) {
    JobFlags.run("consistency", () -> {
      ConsistencyOptions options = ConsistencyOptions.parse(args);
      options.catalog().requireExists();
      try (SparkSession spark = options.catalog().session("freshet-consistency")) {
        Report report = measure(spark, options);
        System.out.print(format(report));
        if (options.out() != null) {
          write(spark, report, options);
        }
      }
    });
  }

  public static Report measure(SparkSession spark, ConsistencyOptions options) {
    String yaml = JobFlags.definitionsText(options.definitions());
    FeatureDefinitions definitions = FeatureDefinitions.parse(yaml, "definitions");
    Dataset<Row> log = spark.table(options.table(options.featureLog()));
    List<String> logged = Arrays.asList(((StructType) log.schema().apply("feature_values").dataType()).fieldNames());
    List<String> features = definitions.features().map(FeatureDefinition::name).filter(logged::contains).toList();

    Column answered = col("personalized").and(col("features_version").isNotNull());
    if (options.since() != null) {
      answered = answered.and(col("served_at").geq(lit(Timestamp.from(options.since()))));
    }
    if (options.until() != null) {
      answered = answered.and(col("served_at").lt(lit(Timestamp.from(options.until()))));
    }
    List<Column> servedColumns = new ArrayList<>(List.of(col("user_id").as("__user"), col("version").as("__version"),
        col("computed_at").as("__computed_at")));
    features.forEach(f -> servedColumns.add(col("feature_values." + f).as("served__" + f)));
    Dataset<Row> served = log.select(servedColumns.toArray(Column[]::new));
    Dataset<Row> answers = spark.table(options.table(options.generationLog())).where(answered);
    Dataset<Row> withVectors = answers.join(served,
        answers.col("user_id").equalTo(served.col("__user")).and(answers.col("features_version").equalTo(served.col("__version"))), "left");
    // The label time: the answer's, or the vector's own (where the log has it).
    Column at = options.at() == ConsistencyOptions.At.SERVED ? col("served_at") : coalesce(col("__computed_at"), col("served_at"));
    List<Column> labelColumns = new ArrayList<>(List.of(col("user_id"), at.as("label_time"), col("request_id"), col("__version")));
    features.forEach(f -> labelColumns.add(col("served__" + f)));
    Dataset<Row> labels = withVectors.select(labelColumns.toArray(Column[]::new));
    LongAccumulator notApplied = spark.sparkContext().longAccumulator("change events that changed no user");
    Dataset<Row> both = ExactMode.join(labels, ExactMode.changeHistories(spark, options.namespace(), definitions), yaml, features, notApplied);

    spark.udf().register(EDIT_DISTANCE, (UDF2<Seq<Object>, Seq<Object>, Integer>) Consistency::editDistance, DataTypes.IntegerType);
    List<Column> aggregates = new ArrayList<>(List.of(count(lit(1)).as("answers"), sum(when(col("__version").isNull(), 1).otherwise(0)).as("not_logged")));
    StructType exactSchema = both.schema();
    for (String f : features) {
      Column s = col("served__" + f);
      Column e = col("`" + f + "`");
      Column present = col("__version").isNotNull();
      Column bothThere = present.and(s.isNotNull()).and(e.isNotNull());
      aggregates.add(sum(when(present, 1).otherwise(0)).as(f + "__compared"));
      aggregates.add(sum(when(bothThere.and(s.eqNullSafe(e).unary_$bang()), 1).otherwise(0)).as(f + "__mismatches"));
      aggregates.add(sum(when(present.and(s.isNull()).and(e.isNotNull()), 1).otherwise(0)).as(f + "__missing"));
      aggregates.add(sum(when(present.and(s.isNotNull()).and(e.isNull()), 1).otherwise(0)).as(f + "__extra"));
      DataType type = exactSchema.apply(f).dataType();
      if (type instanceof DecimalType || type.equals(DataTypes.LongType)) {
        Column magnitude = abs(s).plus(abs(e));
        aggregates.add(avg(when(bothThere, when(magnitude.equalTo(0), 0).otherwise(abs(s.minus(e)).multiply(200).divide(magnitude))))
            .as(f + "__smape"));
      } else if (type instanceof ArrayType) {
        aggregates.add(avg(when(bothThere, call_udf(EDIT_DISTANCE, s, e))).as(f + "__edit"));
      }
    }
    both.persist(StorageLevel.MEMORY_AND_DISK()); // the whole run and each hour: one recomputation
    try {
      Column[] more = aggregates.subList(1, aggregates.size()).toArray(Column[]::new);
      Row totals = both.agg(aggregates.get(0), more).first();
      List<Period> byHour = new ArrayList<>();
      for (Row hour : both.groupBy(date_trunc("hour", col("label_time")).as("hour")).agg(aggregates.get(0), more).orderBy("hour").collectAsList()) {
        byHour.add(new Period(hour.getTimestamp(0).toInstant(), hour.getLong(1), hour.getLong(2), figures(hour, features)));
      }
      return new Report(totals.getLong(0), totals.getLong(1), figures(totals, features), byHour);
    } finally {
      both.unpersist();
    }
  }

  /** Each feature's figures from a row of the aggregates. */
  private static List<FeatureConsistency> figures(Row row, List<String> features) {
    List<FeatureConsistency> out = new ArrayList<>();
    for (String f : features) {
      out.add(new FeatureConsistency(f, row.getLong(row.fieldIndex(f + "__compared")), row.getLong(row.fieldIndex(f + "__mismatches")),
          row.getLong(row.fieldIndex(f + "__missing")), row.getLong(row.fieldIndex(f + "__extra")),
          optionalDouble(row, f + "__smape"), optionalDouble(row, f + "__edit")));
    }
    return out;
  }

  private static Double optionalDouble(Row row, String field) {
    if (!Arrays.asList(row.schema().fieldNames()).contains(field) || row.isNullAt(row.fieldIndex(field))) {
      return null;
    }
    Object v = row.get(row.fieldIndex(field));
    return ((Number) v).doubleValue();
  }

  /** Levenshtein distance between two lists, element by element. */
  static int editDistance(Seq<Object> a, Seq<Object> b) {
    int n = a.size();
    int m = b.size();
    int[] previous = new int[m + 1];
    int[] current = new int[m + 1];
    for (int j = 0; j <= m; j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= n; i++) {
      current[0] = i;
      for (int j = 1; j <= m; j++) {
        int substitution = previous[j - 1] + (Objects.equals(a.apply(i - 1), b.apply(j - 1)) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[m];
  }

  static String format(Report report) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "online/offline consistency: %d answers, %d with a vector the feature log lacks%n",
        report.answers(), report.vectorsNotLogged()));
    out.append("| feature | compared | mismatch rate | mismatches | missing | extra | SMAPE % | edit distance |\n");
    out.append("|---|---|---|---|---|---|---|---|\n");
    for (FeatureConsistency f : report.features()) {
      out.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %d | %d | %d | %s | %s |%n", f.feature(), f.compared(), f.mismatchRate(),
          f.mismatches(), f.missing(), f.extra(), f.smape() == null ? "" : String.format(Locale.ROOT, "%.4f", f.smape()),
          f.editDistance() == null ? "" : String.format(Locale.ROOT, "%.4f", f.editDistance())));
    }
    out.append(String.format(Locale.ROOT, "over %d hour(s); --out DIR writes the figures hour by hour too (DIR/by-hour)%n", report.byHour().size()));
    return out.toString();
  }

  /** {@code DIR/features}: the run's figures per feature; {@code DIR/by-hour}: per hour and feature (CSV, with headers). */
  static void write(SparkSession spark, Report report, ConsistencyOptions options) {
    StructType schema = new StructType().add("hour", DataTypes.TimestampType).add("feature", DataTypes.StringType)
        .add("compared", DataTypes.LongType).add("mismatch_rate", DataTypes.DoubleType).add("mismatches", DataTypes.LongType)
        .add("missing", DataTypes.LongType).add("extra", DataTypes.LongType).add("smape", DataTypes.DoubleType)
        .add("edit_distance", DataTypes.DoubleType);
    List<Row> total = rows(null, report.features());
    List<Row> hourly = new ArrayList<>();
    report.byHour().forEach(p -> hourly.addAll(rows(Timestamp.from(p.hour()), p.features())));
    spark.createDataFrame(total, schema).drop("hour").coalesce(1).write().mode("overwrite").option("header", "true")
        .csv(options.out().resolve("features").toString());
    spark.createDataFrame(hourly, schema).coalesce(1).write().mode("overwrite").option("header", "true")
        .csv(options.out().resolve("by-hour").toString());
  }

  private static List<Row> rows(Timestamp hour, List<FeatureConsistency> features) {
    return features.stream().map(f -> RowFactory.create(hour, f.feature(), f.compared(), f.mismatchRate(), f.mismatches(), f.missing(),
        f.extra(), f.smape(), f.editDistance())).toList();
  }
}
