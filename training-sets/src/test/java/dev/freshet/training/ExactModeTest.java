package dev.freshet.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact training set on Spark (local mode) over change-history tables shaped like
 * offline-sink's: features recomputed as of each label time from the changes committed by then,
 * windows evaluated at the label time. Expected values worked out by hand from the bundled
 * definitions (events_1h, events_1m, purchase_amount_24h, purchases_lifetime; country from users).
 */
class ExactModeTest {
  static final Instant T = Instant.parse("2026-12-04T10:00:00Z");
  @TempDir static Path dir;
  static SparkSession spark;
  static Path warehouse;

  @BeforeAll
  static void changeHistories() throws Exception {
    warehouse = Files.createDirectories(dir.resolve("warehouse"));
    spark = TrainingSet.session(options("unused.csv"));
    spark.sql("CREATE NAMESPACE IF NOT EXISTS freshet.freshet");
    write("changes_events", List.of(
        change(0, "c", null, event(1, 1, "purchase", "10.00", T.minusSeconds(10)), T),
        change(1, "u", null, event(1, 1, "purchase", "20.00", T.minusSeconds(10)), T.plusSeconds(5)),
        change(2, "c", null, event(2, 1, "view", null, T.plusSeconds(6)), T.plusSeconds(6)),
        // 30 minutes behind the stream time (T+6s), the source allows 10: refused, as the stream does.
        change(3, "c", null, event(3, 1, "view", null, T.minus(Duration.ofMinutes(30))), T.plusSeconds(7)),
        change(4, "u", null, event(2, 2, "view", null, T.plusSeconds(6)), T.plusSeconds(120)), // moves to user 2
        change(5, "d", "{\"id\":1}", null, T.plusSeconds(121)),
        change(6, "c", null, event(4, 1, "view", null, T.plusSeconds(200)), T.plusSeconds(200)))); // after every label but one
    write("changes_users", List.of(
        change(0, "c", null, "{\"id\":1,\"name\":\"x\",\"country\":\"PL\",\"created_at\":\"" + T.minus(Duration.ofDays(1)) + "\"}",
            T.plusSeconds(1))));
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  static TrainingSetOptions options(String labels) {
    return TrainingSetOptions.parse("--labels", dir.resolve(labels).toString(), "--out", dir.resolve("out").toString(), "--mode", "exact",
        "--features", "events_1h,events_1m,purchase_amount_24h,purchases_lifetime,country,last_event_at,top_categories_7d", "--warehouse", warehouse.toString(),
        "--master", "local[2]");
  }

  static String event(long id, long user, String kind, String amount, Instant at) {
    return "{\"id\":" + id + ",\"user_id\":" + user + ",\"kind\":\"" + kind + "\",\"item\":\"i\",\"category\":\"books\",\"author\":\"a\","
        + "\"amount\":" + (amount == null ? "null" : "\"" + amount + "\"") + ",\"occurred_at\":\"" + at + "\"}";
  }

  private static long offset;

  static Row change(long lsn, String op, String before, String after, Instant committed) {
    String event = "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"lsn\":" + (1000 + lsn) + ",\"ts_ms\":"
        + committed.toEpochMilli() + "},\"op\":\"" + op + "\"}";
    String key = "{\"id\":" + (after != null ? after : before).replaceAll("^\\{\"id\":(\\d+).*", "$1") + "}";
    return RowFactory.create(0, offset++, op, 1000 + lsn, Timestamp.from(committed), key, event);
  }

  static void write(String table, List<Row> rows) throws Exception {
    StructType schema = new StructType()
        .add("kafka_partition", DataTypes.IntegerType).add("kafka_offset", DataTypes.LongType).add("op", DataTypes.StringType)
        .add("lsn", DataTypes.LongType).add("commit_time", DataTypes.TimestampType).add("event_key", DataTypes.StringType)
        .add("event", DataTypes.StringType);
    spark.createDataFrame(rows, schema).writeTo("freshet.freshet." + table).using("iceberg").create();
  }

  @Test
  void eachLabelGetsTheFeaturesOfTheChangesCommittedByItsTimeWithWindowsAtItsTime() throws Exception {
    Files.writeString(dir.resolve("labels.csv"), """
        user_id,label_time,name
        1,%s,before anything
        1,%s,first insert
        1,%s,updated
        1,%s,second row still in its minute
        1,%s,second row just out of its minute
        2,%s,the moved row
        1,%s,after the move
        1,%s,after the delete
        1,%s,idle
        9,%s,never seen
        """.formatted(T.minusMillis(1), T, T.plusSeconds(5), T.plusMillis(65_999), T.plusSeconds(66), T.plusSeconds(120),
        T.plusSeconds(120), T.plusSeconds(121), T.plus(Duration.ofMinutes(30)), T));
    long rows = TrainingSet.run(spark, options("labels.csv"));
    assertThat(rows).isEqualTo(10);

    Map<String, String> byName = new TreeMap<>();
    for (Row r : spark.read().parquet(dir.resolve("out").toString()).collectAsList()) {
      byName.put(r.getAs("name"), r.getAs("user_id") + ": " + r.getAs("events_1h") + " " + r.getAs("events_1m") + " "
          + ((BigDecimal) r.getAs("purchase_amount_24h")).stripTrailingZeros().toPlainString() + " " + r.getAs("purchases_lifetime") + " "
          + r.getAs("country") + " " + (r.isNullAt(r.fieldIndex("last_event_at")) ? null : r.getTimestamp(r.fieldIndex("last_event_at")).toInstant())
          + " " + r.getList(r.fieldIndex("top_categories_7d")));
    }
    // user: events_1h events_1m purchase_amount_24h purchases_lifetime country last_event_at top_categories_7d
    assertThat(byName).containsExactlyInAnyOrderEntriesOf(Map.of(
        "before anything", "1: 0 0 0 0 null null []",
        "first insert", "1: 1 1 10 1 null 2026-12-04T09:59:50Z [books]",
        "updated", "1: 1 1 20 1 PL 2026-12-04T09:59:50Z [books]",
        "second row still in its minute", "1: 2 1 20 1 PL 2026-12-04T10:00:06Z [books]",
        "second row just out of its minute", "1: 2 0 20 1 PL 2026-12-04T10:00:06Z [books]",
        "the moved row", "2: 1 0 0 0 null 2026-12-04T10:00:06Z [books]",
        "after the move", "1: 1 0 20 1 PL 2026-12-04T09:59:50Z [books]",
        "after the delete", "1: 0 0 0 0 PL null []",
        "idle", "1: 1 0 0 0 PL 2026-12-04T10:03:20Z [books]",
        "never seen", "9: 0 0 0 0 null null []"));
  }

  /**
   * Each personalised answer's vector (from the feature log, by user and version) against the exact
   * values at the answer's time: one answer read a vector that was up to date, one a stale one.
   */
  @Test
  void consistencyComparesTheVectorEachAnswerUsedWithTheExactValuesAtItsTime() throws Exception {
    spark.sql("CREATE TABLE IF NOT EXISTS freshet.freshet.user_features_log (user_id string, version bigint, computed_at timestamp,"
        + " feature_values struct<events_1h: bigint, purchase_amount_24h: decimal(38, 9), top_categories_7d: array<string>, country: string>)"
        + " USING iceberg");
    spark.sql("""
        INSERT INTO freshet.freshet.user_features_log VALUES
          ('1', 100, TIMESTAMP '2026-12-04 10:00:05', named_struct('events_1h', 1, 'purchase_amount_24h', 20, 'top_categories_7d', array('books'), 'country', 'PL')),
          ('1', 101, TIMESTAMP '2026-12-04 10:00:05', named_struct('events_1h', 1, 'purchase_amount_24h', 20, 'top_categories_7d', array('music', 'books'), 'country', null))
        """);
    spark.sql("CREATE TABLE IF NOT EXISTS freshet.freshet.generation_log (request_id string, user_id string, served_at timestamp,"
        + " personalized boolean, features_version bigint) USING iceberg");
    spark.sql("""
        INSERT INTO freshet.freshet.generation_log VALUES
          ('up-to-date', '1', TIMESTAMP '2026-12-04 10:00:05', true, 100),
          ('stale', '1', TIMESTAMP '2026-12-04 10:01:05', true, 101),
          ('vector-not-logged', '2', TIMESTAMP '2026-12-04 10:01:05', true, 999),
          ('generic', '1', TIMESTAMP '2026-12-04 10:01:05', false, null)
        """);
    Consistency.Report report = Consistency.measure(spark, ConsistencyOptions.parse("--warehouse", warehouse.toString(), "--master", "local[2]"));

    assertThat(report.answers()).isEqualTo(3);
    assertThat(report.vectorsNotLogged()).isEqualTo(1);
    assertThat(report.features()).extracting(Consistency.FeatureConsistency::toString).containsExactly(
        // At 10:01:05 the exact value has the second event in the hour (2), the vector still 1.
        "FeatureConsistency[feature=events_1h, compared=2, mismatches=1, missing=0, extra=0, smape=33.333333333333336, editDistance=null]",
        "FeatureConsistency[feature=purchase_amount_24h, compared=2, mismatches=0, missing=0, extra=0, smape=0.0, editDistance=null]",
        "FeatureConsistency[feature=top_categories_7d, compared=2, mismatches=1, missing=0, extra=0, smape=null, editDistance=0.5]",
        "FeatureConsistency[feature=country, compared=2, mismatches=0, missing=1, extra=0, smape=null, editDistance=null]");
    assertThat(Consistency.format(report)).contains("| events_1h | 2 | 0.5000 | 1 | 0 | 0 | 33.3333 |  |");
    assertThat(report.byHour()).as("both answers of the hour 10:00").singleElement().satisfies(hour -> {
      assertThat(hour.hour()).isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
      assertThat(hour.answers()).isEqualTo(3);
      assertThat(hour.features()).isEqualTo(report.features());
    });

    // At the vectors' own time (both computed at 10:00:05) the stale one's count was right then.
    ConsistencyOptions computed = ConsistencyOptions.parse("--warehouse", warehouse.toString(), "--master", "local[2]", "--at", "computed",
        "--out", dir.resolve("consistency").toString());
    Consistency.Report atComputation = Consistency.measure(spark, computed);
    assertThat(atComputation.features().get(0)).extracting(Consistency.FeatureConsistency::mismatches).isEqualTo(0L);
    Consistency.write(spark, atComputation, computed);
    assertThat(csvLines(dir.resolve("consistency/features"))).first().isEqualTo("feature,compared,mismatch_rate,mismatches,missing,extra,smape,edit_distance");
    assertThat(csvLines(dir.resolve("consistency/by-hour"))).hasSize(1 + 4).first().asString().startsWith("hour,feature,");
  }

  private static List<String> csvLines(Path written) throws java.io.IOException {
    try (var files = Files.list(written)) {
      Path part = files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
      return Files.readAllLines(part);
    }
  }

  @Test
  void theOutputHasTheFeatureLogsTypes() {
    StructType out = ExactMode.outputSchema(new StructType().add("user_id", DataTypes.StringType),
        dev.freshet.common.definitions.FeatureDefinitions.bundled(), List.of("events_1h", "avg_purchase_amount_30d", "top_categories_7d",
            "last_event_at", "country"));
    List<String> types = new ArrayList<>();
    out.foreach(f -> types.add(f.name() + " " + f.dataType().simpleString()));
    assertThat(types).containsExactly("user_id string", "events_1h bigint", "avg_purchase_amount_30d decimal(38,9)",
        "top_categories_7d array<string>", "last_event_at timestamp", "country string");
  }
}
