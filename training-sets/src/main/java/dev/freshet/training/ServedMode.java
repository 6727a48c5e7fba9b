package dev.freshet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code served} training set: for each label, the vector the online store held at
 * {@code label_time} — the latest by {@code computed_at} (then {@code version}) at or before it,
 * never one computed later. An as-of join done as one sort per user: labels and vectors in one
 * stream ordered by time (vectors before labels at the same instant), each label taking the last
 * vector seen before it.
 */
public final class ServedMode {
  static final String COMPUTED_AT = "features_computed_at";
  static final String VERSION = "features_version";

  private ServedMode() {}

  /**
   * @param labels {@code user_id}, {@code label_time} (a timestamp) and any label columns
   * @param log the feature log ({@code user_id}, {@code computed_at}, {@code version}, struct {@code feature_values})
   * @param features the feature fields to export
   * @return the label columns, {@value #COMPUTED_AT} and {@value #VERSION} of the vector used (null: none yet), then the features
   */
  public static Dataset<Row> join(Dataset<Row> labels, Dataset<Row> log, List<String> features) {
    List<Column> vectorFields = new ArrayList<>(List.of(col("computed_at").as(COMPUTED_AT), col("version").as(VERSION)));
    features.forEach(f -> vectorFields.add(col("feature_values." + f).as(f)));
    Dataset<Row> vectors = log
        .join(labels.select("user_id").distinct(), "user_id", "left_semi")
        .select(col("user_id"), col("computed_at").as("__t"), lit(0).as("__is_label"), col("version").as("__version"),
            struct(vectorFields.toArray(Column[]::new)).as("__vector"));
    DataType vectorType = vectors.schema().apply("__vector").dataType();
    StructType labelType = labels.schema();
    Column labelColumns = struct(Arrays.stream(labelType.fieldNames()).map(c -> col("`" + c + "`")).toArray(Column[]::new));
    Dataset<Row> asked = labels.select(col("user_id"), col("label_time").as("__t"), lit(1).as("__is_label"),
        lit(null).cast("long").as("__version"), lit(null).cast(vectorType).as("__vector"), labelColumns.as("__label"));
    WindowSpec upToHere = Window.partitionBy("user_id").orderBy(col("__t"), col("__is_label"), col("__version"))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    return vectors.withColumn("__label", lit(null).cast(labelType))
        .unionByName(asked)
        .withColumn("__as_of", last(col("__vector"), true).over(upToHere))
        .where(col("__is_label").equalTo(1))
        .select(col("__label.*"), col("__as_of.*"));
  }
}
