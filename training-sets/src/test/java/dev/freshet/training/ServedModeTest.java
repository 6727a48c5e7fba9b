package dev.freshet.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served training set on Spark (local mode) over an Iceberg table in the JDBC/SQLite catalog
 * offline-sink uses, shaped like the feature log: each label gets the vector in effect at its
 * time, never a later one.
 */
class ServedModeTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path warehouse;

  @BeforeAll
  static void featureLog() throws Exception {
    warehouse = Files.createDirectories(dir.resolve("warehouse"));
    spark = TrainingSet.session(options("unused.csv", "parquet", "all"));
    spark.sql("CREATE NAMESPACE IF NOT EXISTS freshet.freshet");
    spark.sql("CREATE TABLE freshet.freshet.user_features_log (user_id string, computed_at timestamp, version bigint,"
        + " feature_values struct<events_1h: bigint, last_viewed_category: string, top_categories_7d: array<string>, spend: decimal(38, 9)>)"
        + " USING iceberg PARTITIONED BY (days(computed_at))");
    spark.sql("""
        INSERT INTO freshet.freshet.user_features_log VALUES
          ('1', TIMESTAMP '2026-12-04 10:00:00', 10, named_struct('events_1h', 1, 'last_viewed_category', 'books', 'top_categories_7d', array('books'), 'spend', 0.5)),
          ('1', TIMESTAMP '2026-12-04 10:05:00', 11, named_struct('events_1h', 2, 'last_viewed_category', 'music', 'top_categories_7d', array('books', 'music'), 'spend', 0)),
          ('1', TIMESTAMP '2026-12-04 10:05:00', 12, named_struct('events_1h', 3, 'last_viewed_category', 'films', 'top_categories_7d', array('films'), 'spend', 0)),
          ('1', TIMESTAMP '2026-12-05 09:00:00', 13, named_struct('events_1h', 0, 'last_viewed_category', 'films', 'top_categories_7d', array(), 'spend', 12.25)),
          ('2', TIMESTAMP '2026-12-04 10:01:00', 20, named_struct('events_1h', 7, 'last_viewed_category', null, 'top_categories_7d', array('games'), 'spend', null))
        """);
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  static TrainingSetOptions options(String labels, String format, String features) {
    return TrainingSetOptions.parse("--labels", dir.resolve(labels).toString(), "--out", dir.resolve("out-" + format).toString(),
        "--format", format, "--features", features, "--warehouse", warehouse.toString(), "--master", "local[2]");
  }

  @Test
  void eachLabelGetsTheVectorInEffectAtItsTimeAndNeverALaterOne() throws Exception {
    Files.writeString(dir.resolve("labels.csv"), """
        user_id,label_time,clicked
        1,2026-12-04T09:59:59Z,0
        1,2026-12-04T10:00:00Z,1
        1,2026-12-04T10:04:59.999Z,0
        1,2026-12-04T10:05:00Z,1
        1,2026-12-05T08:00:00Z,0
        2,2026-12-04T10:00:00Z,1
        2,2026-12-06T00:00:00Z,0
        3,2026-12-04T10:00:00Z,1
        """);
    long rows = TrainingSet.run(spark, options("labels.csv", "parquet", "all"));

    assertThat(rows).isEqualTo(8);
    Map<String, String> got = new TreeMap<>();
    for (Row r : spark.read().parquet(dir.resolve("out-parquet").toString()).collectAsList()) {
      got.put(r.getAs("user_id") + " @ " + r.getAs("label_time"), r.getAs(ServedMode.VERSION) + " " + r.getAs("events_1h") + " "
          + r.getAs("last_viewed_category") + " " + r.getList(r.fieldIndex("top_categories_7d")) + " clicked=" + r.getAs("clicked"));
    }
    assertThat(got).containsExactly(
        Map.entry("1 @ 2026-12-04 09:59:59.0", "null null null null clicked=0"), // before any vector
        Map.entry("1 @ 2026-12-04 10:00:00.0", "10 1 books [books] clicked=1"), // computed at that very instant
        Map.entry("1 @ 2026-12-04 10:04:59.999", "10 1 books [books] clicked=0"), // not the one 1 ms later
        Map.entry("1 @ 2026-12-04 10:05:00.0", "12 3 films [films] clicked=1"), // two at one instant: the higher version
        Map.entry("1 @ 2026-12-05 08:00:00.0", "12 3 films [films] clicked=0"),
        Map.entry("2 @ 2026-12-04 10:00:00.0", "null null null null clicked=1"), // user 1's vectors are not user 2's
        Map.entry("2 @ 2026-12-06 00:00:00.0", "20 7 null [games] clicked=0"),
        Map.entry("3 @ 2026-12-04 10:00:00.0", "null null null null clicked=1")); // no vector ever
  }

  @Test
  void csvHasTheChosenFeaturesListsAsJsonAndPlainDecimals() throws Exception {
    Files.writeString(dir.resolve("few.csv"), "user_id,label_time\n1,2026-12-04T10:06:00Z\n");
    TrainingSet.run(spark, options("few.csv", "csv", "top_categories_7d,events_1h,spend"));

    String header = "user_id,label_time," + ServedMode.COMPUTED_AT + "," + ServedMode.VERSION + ",top_categories_7d,events_1h,spend";
    List<String> rows = new ArrayList<>();
    try (var files = Files.list(dir.resolve("out-csv"))) {
      for (Path part : files.filter(f -> f.getFileName().toString().endsWith(".csv")).toList()) {
        List<String> lines = Files.readAllLines(part);
        assertThat(lines.get(0)).isEqualTo(header);
        rows.addAll(lines.subList(1, lines.size()));
      }
    }
    assertThat(rows).containsExactly("1,2026-12-04T10:06:00.000Z,2026-12-04T10:05:00.000Z,12,\"[\"\"films\"\"]\",3,0.000000000");
  }

  @Test
  void badRequestsAreRefusedNamingTheProblem() throws Exception {
    Files.writeString(dir.resolve("no-time.csv"), "user_id,when\n1,2026-12-04T10:06:00Z\n");
    assertThatThrownBy(() -> TrainingSet.run(spark, options("no-time.csv", "parquet", "all")))
        .hasMessageContaining("have no column label_time");
    Files.writeString(dir.resolve("bad-time.csv"), "user_id,label_time\n1,yesterday\n");
    assertThatThrownBy(() -> TrainingSet.run(spark, options("bad-time.csv", "parquet", "all")))
        .hasMessageContaining("1 label rows").hasMessageContaining("no label_time that reads as a timestamp");
    Files.writeString(dir.resolve("ok.csv"), "user_id,label_time\n1,2026-12-04T10:06:00Z\n");
    assertThatThrownBy(() -> TrainingSet.run(spark, options("ok.csv", "parquet", "events_1h,spend_forever")))
        .hasMessageContaining("unknown features [spend_forever]").hasMessageContaining("events_1h");
    assertThatThrownBy(() -> TrainingSetOptions.parse("--labels", "x.csv")).hasMessageContaining("--out is required");
    assertThatThrownBy(() -> TrainingSetOptions.parse("--labels", "x.csv", "--out", "o", "--mode", "psychic"))
        .hasMessageContaining("--mode must be one of [served, exact]");
  }

}
