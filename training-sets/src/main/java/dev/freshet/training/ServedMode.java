package dev.freshet.training;

import static org.apache.spark.sql.functions.broadcast;
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
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The {@code served} training set: for each label, the vector the online store held at
 * {@code label_time} — the latest by {@code computed_at} (then {@code version}) at or before it,
 * never one computed later.
 *
 * <p>An as-of join in two steps, so that the wide feature rows are never sorted or shuffled whole:
 * first the labels and the labelled users' vector keys ({@code computed_at}, {@code version}) in
 * one stream per user ordered by time (vectors before labels at the same instant), each label
 * taking the version of the last vector before it; then only the chosen vectors are read (a
 * broadcast filter on the log scan) and joined to their labels by user and version.
 */
public final class ServedMode {
  static final String COMPUTED_AT = "features_computed_at";
  static final String VERSION = "features_version";
  /** A label's user and the version of the vector it takes: the key of the second step's joins. */
  private static final Seq<String> CHOSEN_VECTOR = JavaConverters.asScalaBuffer(List.of("__user", "__as_of")).toSeq();

  private ServedMode() {}

  /**
   * @param labels {@code user_id}, {@code label_time} (a timestamp) and any label columns
   * @param log the feature log ({@code user_id}, {@code computed_at}, {@code version}, struct {@code feature_values})
   * @param features the feature fields to export
   * @return the label columns, {@value #COMPUTED_AT} and {@value #VERSION} of the vector used (null: none yet), then the features
   */
  public static Dataset<Row> join(Dataset<Row> labels, Dataset<Row> log, List<String> features) {
    StructType labelType = labels.schema();
    Column labelColumns = struct(Arrays.stream(labelType.fieldNames()).map(c -> col("`" + c + "`")).toArray(Column[]::new));
    Dataset<Row> vectorKeys = log
        .join(labels.select("user_id").distinct(), "user_id", "left_semi")
        .select(col("user_id"), col("computed_at").as("__t"), lit(0).as("__is_label"), col("version").as("__version"),
            lit(null).cast(labelType).as("__label"));
    Dataset<Row> asked = labels.select(col("user_id"), col("label_time").as("__t"), lit(1).as("__is_label"),
        lit(null).cast("long").as("__version"), labelColumns.as("__label"));
    WindowSpec upToHere = Window.partitionBy("user_id").orderBy(col("__t"), col("__is_label"), col("__version"))
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> chosen = vectorKeys.unionByName(asked)
        .withColumn("__as_of", last(col("__version"), true).over(upToHere))
        .where(col("__is_label").equalTo(1))
        .select(col("user_id").as("__user"), col("__as_of"), col("__label"))
        .persist(StorageLevel.MEMORY_AND_DISK());

    List<Column> vectorFields = new ArrayList<>(List.of(col("user_id").as("__user"), col("version").as("__as_of"),
        col("computed_at").as(COMPUTED_AT), col("version").as(VERSION)));
    features.forEach(f -> vectorFields.add(col("feature_values." + f).as(f)));
    Dataset<Row> chosenVectors = log.select(vectorFields.toArray(Column[]::new))
        .join(broadcast(chosen.select("__user", "__as_of").where(col("__as_of").isNotNull()).distinct()),
            CHOSEN_VECTOR, "left_semi");
    List<Column> out = new ArrayList<>(List.of(col("__label.*"), col(COMPUTED_AT), col(VERSION)));
    features.forEach(f -> out.add(col("`" + f + "`")));
    return chosen.join(chosenVectors, CHOSEN_VECTOR, "left")
        .select(out.toArray(Column[]::new));
  }
}
