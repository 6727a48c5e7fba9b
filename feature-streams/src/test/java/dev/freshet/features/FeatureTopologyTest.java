package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.common.UserFeatures;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.freshness.Watermark;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology built from the bundled definitions, driven by {@link TopologyTestDriver}. */
class FeatureTopologyTest {
  static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, String> changes;
  TestOutputTopic<String, FeatureVector> features;
  TestOutputTopic<String, DeadLetter> deadLetters;
  long lsn = 1000;
  @TempDir java.nio.file.Path stateDir;

  @BeforeEach
  void setUp() {
    FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092")));
    Properties props = FeatureStreamsService.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(FeatureTopology.build(config), props, NOW);
    changes = driver.createInputTopic(config.definitions().source("events").topic(), Serdes.String().serializer(), Serdes.String().serializer());
    features = driver.createOutputTopic(config.featuresTopic(), Serdes.String().deserializer(), FeatureVector.SERDE.deserializer());
    deadLetters = driver.createOutputTopic(config.deadLetterTopic(), Serdes.String().deserializer(), DeadLetter.SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  @Test
  void insertsUpdatesAndDeletesCorrectTheUsersVector() {
    send("c", 3, null, row(3, 7, "purchase", "4.00", NOW.minus(Duration.ofHours(30))));
    send("c", 1, null, row(1, 7, "purchase", "10.50", NOW.minusSeconds(60)));
    send("c", 2, null, row(2, 7, "view", null, NOW.minusSeconds(30)));
    FeatureVector v = last();
    assertThat(v.userId()).isEqualTo("7");
    assertThat(v.features().get(UserFeatures.EVENTS_1H)).isEqualTo(2);
    assertThat(amount(v)).isEqualByComparingTo("10.50");
    assertThat(v.features().get(UserFeatures.LAST_VIEWED_CATEGORY)).isEqualTo("books");
    assertThat(v.features().get("purchases_lifetime")).isEqualTo(2);
    assertThat(v.definitionVersion()).isEqualTo(FeatureDefinitions.bundled().version());

    send("u", 1, null, row(1, 7, "purchase", "99.99", NOW.minusSeconds(60)));
    assertThat(amount(last())).isEqualByComparingTo("99.99");

    send("d", 1, "{\"id\":1}", null);
    FeatureVector afterDelete = last();
    assertThat(amount(afterDelete)).isEqualByComparingTo("0");
    assertThat(afterDelete.features().get(UserFeatures.EVENTS_1H)).isEqualTo(1);
    assertThat(afterDelete.features().get("purchases_lifetime")).isEqualTo(1);
    assertThat(new BigDecimal(afterDelete.features().get("spend_lifetime").toString())).isEqualByComparingTo("4.00");
    assertThat(afterDelete.sourceLsn()).isEqualTo(lsn);
  }

  /**
   * A topology rebuilt from the change topics (new state, e.g. after a definition change) must
   * publish above every version the first one published: the store keeps the higher write
   * timestamp, so anything lower would be ignored there until it overtook.
   */
  @Test
  void aTopologyRebuiltFromTheChangesPublishesAboveEveryVersionTheFirstOnePublished(@TempDir java.nio.file.Path rebuiltState) {
    List<String[]> sent = new java.util.ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String event = event("c", null, row(i, 6, "view", null, NOW.minus(Duration.ofSeconds(50 + 5 * i))), lsn += 10);
      changes.pipeInput("{\"id\":" + i + "}", event);
      sent.add(new String[] {"{\"id\":" + i + "}", event});
    }
    tick();
    Duration elapsed = Duration.ofMillis(25);
    for (int s = 0; s < 40; s++) { // each row leaves the 1-minute window: an expiry vector each
      driver.advanceWallClockTime(Duration.ofSeconds(1));
      elapsed = elapsed.plusSeconds(1);
    }
    long highest = features.readValuesToList().stream().mapToLong(FeatureVector::version).max().orElseThrow();

    FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092")));
    Properties props = FeatureStreamsService.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, rebuiltState.toString());
    try (TopologyTestDriver rebuilt = new TopologyTestDriver(FeatureTopology.build(config), props, NOW.plus(elapsed))) {
      TestInputTopic<String, String> replay = rebuilt.createInputTopic(config.definitions().source("events").topic(),
          Serdes.String().serializer(), Serdes.String().serializer());
      sent.forEach(r -> replay.pipeInput(r[0], r[1]));
      rebuilt.advanceWallClockTime(Duration.ofMillis(25));
      List<FeatureVector> republished = rebuilt.createOutputTopic(config.featuresTopic(), Serdes.String().deserializer(),
          FeatureVector.SERDE.deserializer()).readValuesToList();
      assertThat(republished).isNotEmpty();
      assertThat(republished.get(republished.size() - 1).version()).as("rebuilt vs first topology's highest version")
          .isGreaterThan(highest);
    }
  }

  /**
   * One user's vector cannot be computed (a sum of a long column beyond the range of long): that
   * user is dead-lettered with the reason, and every other user is still published. When the
   * failure escaped the tick, the tick stopped at that user, every time: the users after it were
   * never published, and the half-done tick was committed.
   */
  @Test
  void aUserWhoseVectorCannotBeComputedIsDeadLetteredAndTheOthersArePublished() throws Exception {
    java.nio.file.Path file = stateDir.resolve("ids.yaml");
    java.nio.file.Files.writeString(file, String.join("\n",
        "version: 7",
        "entity: user",
        "sources:",
        "  - name: events",
        "    table: public.events",
        "    primary_key: id",
        "    entity_key: user_id",
        "    event_time: occurred_at",
        "    columns: {id: long, user_id: long, occurred_at: timestamp}",
        "    features:",
        "      - {name: id_sum, aggregation: sum, column: id, window: lifetime}",
        ""));
    FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092",
        "features.definitions", file.toString())));
    Properties props = FeatureStreamsService.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("ids").toString());
    try (TopologyTestDriver ids = new TopologyTestDriver(FeatureTopology.build(config), props, NOW)) {
      TestInputTopic<String, String> in = ids.createInputTopic("freshet.public.events", Serdes.String().serializer(),
          Serdes.String().serializer());
      long big = Long.MAX_VALUE / 2 + 1;
      long[][] rows = {{big, 1}, {big + 1, 1}, {3, 2}}; // user 1 first: its sum is past Long.MAX_VALUE
      for (long[] r : rows) {
        in.pipeInput("{\"id\":" + r[0] + "}", event("c", null, "{\"id\":" + r[0] + ",\"user_id\":" + r[1]
            + ",\"occurred_at\":\"" + NOW.minusSeconds(5) + "\"}", lsn += 10));
      }
      for (int t = 0; t < 3; t++) {
        ids.advanceWallClockTime(Duration.ofMillis(25));
      }
      List<FeatureVector> published = ids.createOutputTopic(config.featuresTopic(), Serdes.String().deserializer(),
          FeatureVector.SERDE.deserializer()).readValuesToList();
      assertThat(published).extracting(FeatureVector::userId).as("users published").containsExactly("2");
      assertThat(published.get(0).features()).containsEntry("id_sum", 3);
      List<DeadLetter> dead = ids.createOutputTopic(config.deadLetterTopic(), Serdes.String().deserializer(),
          DeadLetter.SERDE.deserializer()).readValuesToList();
      assertThat(dead).hasSize(1);
      assertThat(dead.get(0).key()).isEqualTo("1");
      assertThat(dead.get(0).reason()).contains("user 1").contains("Overflow");
    }
  }

  @Test
  void everyAggregationRetractsExactly() {
    send("c", 1, null, row(1, 5, "purchase", "30.00", NOW.minusSeconds(300), "books", "kafka", "novel-1"));
    send("c", 2, null, row(2, 5, "purchase", "10.00", NOW.minusSeconds(200), "music", "eco", "album-1"));
    send("c", 3, null, row(3, 5, "view", null, NOW.minusSeconds(100), "music", "eco", "album-2"));
    send("c", 4, null, row(4, 5, "view", null, NOW.minusSeconds(50), "games", "lem", "game-1"));
    Map<String, Object> f = last().features();
    assertThat(f.get("avg_purchase_amount_30d").toString()).isEqualTo("20.000000");
    assertThat(f.get("min_purchase_amount_30d").toString()).isEqualTo("10.00");
    assertThat(f.get("max_purchase_amount_30d").toString()).isEqualTo("30.00");
    assertThat(f.get("distinct_categories_24h")).isEqualTo(3);
    assertThat(f.get("top_categories_7d")).isEqualTo(List.of("music", "books", "games"));
    assertThat(f.get("last_viewed_items")).isEqualTo(List.of("game-1", "album-2"));
    assertThat(f.get("last_viewed_author")).isEqualTo("lem");
    assertThat(f.get("last_event_at")).isEqualTo(NOW.minusSeconds(50).toString());
    assertThat(f.get("first_purchased_item")).isEqualTo("novel-1");
    assertThat(f.get("distinct_items_viewed_30d")).isEqualTo(2);

    // The max, the latest view and the first purchase go: each must fall back to the next one.
    send("d", 1, "{\"id\":1}", null);
    send("d", 4, "{\"id\":4}", null);
    f = last().features();
    assertThat(f.get("avg_purchase_amount_30d").toString()).isEqualTo("10.000000");
    assertThat(f.get("max_purchase_amount_30d").toString()).isEqualTo("10.00");
    assertThat(f.get("distinct_categories_24h")).isEqualTo(1);
    assertThat(f.get("top_categories_7d")).isEqualTo(List.of("music"));
    assertThat(f.get("last_viewed_items")).isEqualTo(List.of("album-2"));
    assertThat(f.get("last_viewed_author")).isEqualTo("eco");
    assertThat(f.get("first_purchased_item")).isEqualTo("album-1");

    send("d", 2, "{\"id\":2}", null);
    send("d", 3, "{\"id\":3}", null);
    f = last().features();
    assertThat(f.get("avg_purchase_amount_30d")).isNull();
    assertThat(f.get("max_purchase_amount_30d")).isNull();
    assertThat(f.get("last_viewed_author")).isNull();
    assertThat(f.get("top_categories_7d")).isEqualTo(List.of());
    assertThat(f.get("first_purchased_item")).isNull();
    assertThat(f.get("purchases_lifetime")).isEqualTo(0);
  }

  @Test
  void windowsDecayWithoutNewEvents() {
    send("c", 1, null, row(1, 4, "purchase", "5.00", NOW.minus(Duration.ofMinutes(59))));
    FeatureVector before = last();
    assertThat(before.features().get(UserFeatures.EVENTS_1H)).isEqualTo(1);

    driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(features.isEmpty()).as("nothing left a window yet, so nothing is republished").isTrue();

    driver.advanceWallClockTime(Duration.ofSeconds(31));
    FeatureVector decayed = last();
    assertThat(decayed.features().get(UserFeatures.EVENTS_1H)).isEqualTo(0);
    assertThat(amount(decayed)).isEqualByComparingTo("5.00");
    assertThat(decayed.version()).isGreaterThan(before.version());
    assertThat(decayed.sourceLsn()).isEqualTo(before.sourceLsn());
    assertThat(decayed.computedAt()).isAfter(NOW.plus(Duration.ofMinutes(1)).minusMillis(1));

    driver.advanceWallClockTime(Duration.ofHours(24));
    assertThat(amount(last())).isEqualByComparingTo("0");
    assertThat(last0().features().get("purchases_lifetime")).isEqualTo(1);
  }

  @Test
  void lateEventsGoToDeadLettersButCorrectionsAndSnapshotsApply() {
    send("c", 1, null, row(1, 3, "view", null, NOW));
    send("c", 2, null, row(2, 3, "view", null, NOW.minus(Duration.ofMinutes(9)))); // within 10 min
    send("c", 3, null, row(3, 3, "view", null, NOW.minus(Duration.ofMinutes(11)))); // late
    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).reason()).startsWith("late event: occurred_at " + NOW.minus(Duration.ofMinutes(11)))
        .contains("allows 600 s");
    assertThat(last().features().get(UserFeatures.EVENTS_1H)).isEqualTo(2);

    send("u", 2, null, row(2, 3, "view", null, NOW.minus(Duration.ofMinutes(50)))); // a known row: applied
    changes.pipeInput("{\"id\":9}", event("r", null, row(9, 3, "view", null, NOW.minus(Duration.ofDays(2))), ++lsn));
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(last().features().get("last_viewed_items")).isEqualTo(List.of("item-1", "item-2", "item-9"));
  }

  @Test
  void theTrackerForgetsARowOnceNoFeatureCanNeedItButKeepsLifetimeRows() {
    changes.pipeInput("{\"id\":1}", event("r", null, row(1, 2, "view", null, NOW.minus(Duration.ofDays(29))), ++lsn));
    changes.pipeInput("{\"id\":2}", event("r", null, row(2, 2, "purchase", "3.00", NOW.minus(Duration.ofDays(29))), ++lsn));
    assertThat(last().features().get("purchases_lifetime")).isEqualTo(1);
    java.util.function.LongSupplier rows = () -> countRows(driver.getKeyValueStore("rows-events"));
    assertThat(rows.getAsLong()).isEqualTo(2);

    driver.advanceWallClockTime(Duration.ofDays(2)); // both left the 30-day window
    assertThat(rows.getAsLong()).as("the view row is needed by no feature any more; the purchase by lifetime ones").isEqualTo(1);
    features.readValuesToList();

    send("d", 1, "{\"id\":1}", null);
    tick();
    assertThat(features.isEmpty()).as("a forgotten row counts nowhere: its delete changes nothing").isTrue();
    send("d", 2, "{\"id\":2}", null);
    assertThat(last().features().get("purchases_lifetime")).isEqualTo(0);
    assertThat(rows.getAsLong()).isEqualTo(0);
  }

  /**
   * A row only a count, sum or avg over the whole lifetime counts (no first/last/min/max keeps it),
   * under the default replica identity: its later UPDATE carries no old row, so the tracker must
   * still hold it to retract it; swept, it was added a second time.
   */
  @Test
  void aRowCountedOnlyByALifetimeSumOrCountIsKeptForItsLaterUpdate() throws Exception {
    java.nio.file.Path definitions = stateDir.resolve("lifetime-count.yaml");
    java.nio.file.Files.writeString(definitions, """
        version: 1
        entity: user
        sources:
          - name: events
            table: public.events
            primary_key: id
            entity_key: user_id
            event_time: occurred_at
            allowed_lateness: 10m
            columns:
              id: long
              user_id: long
              kind: string
              amount: decimal
              occurred_at: timestamp
            features:
              - name: events_lifetime
                aggregation: count
                window: lifetime
              - name: amount_lifetime
                aggregation: sum
                column: amount
                window: lifetime
              - name: events_1h
                aggregation: count
                window: 1h
        """);
    FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092",
        "features.definitions", definitions.toString())));
    Properties props = FeatureStreamsService.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("lifetime").toString());
    try (TopologyTestDriver lifetime = new TopologyTestDriver(FeatureTopology.build(config), props, NOW)) {
      TestInputTopic<String, String> in = lifetime.createInputTopic(config.definitions().source("events").topic(),
          Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<String, FeatureVector> out = lifetime.createOutputTopic(config.featuresTopic(),
          Serdes.String().deserializer(), FeatureVector.SERDE.deserializer());
      in.pipeInput("{\"id\":1}", event("c", null, row(1, 4, "purchase", "5.00", NOW.minusSeconds(30)), 100));
      lifetime.advanceWallClockTime(Duration.ofDays(2)); // past its only window and more than a sweep period
      in.pipeInput("{\"id\":1}", event("u", null, row(1, 4, "purchase", "7.00", NOW.minusSeconds(30)), 101));
      lifetime.advanceWallClockTime(Duration.ofMillis(25));
      List<FeatureVector> vectors = out.readValuesToList();
      FeatureVector latest = vectors.get(vectors.size() - 1);
      assertThat(latest.features().get("events_lifetime")).as("the update replaced the row").isEqualTo(1);
      assertThat(new BigDecimal(latest.features().get("amount_lifetime").toString())).isEqualByComparingTo("7.00");
    }
  }

  private static long countRows(org.apache.kafka.streams.state.KeyValueStore<String, ?> store) {
    long n = 0;
    try (var it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  @Test
  void twoSourcesMakeOneVector() {
    TestInputTopic<String, String> users = usersTopic();
    users.pipeInput("{\"id\":4}", event("c", null, user(4, "PL"), ++lsn));
    send("c", 1, null, row(1, 4, "view", null, NOW.minusSeconds(3)));
    FeatureVector v = last();
    assertThat(v.features()).containsEntry("country", "PL").containsEntry("signed_up_30d", 1).containsEntry(UserFeatures.EVENTS_1H, 1);

    users.pipeInput("{\"id\":4}", event("u", user(4, "PL"), user(4, "SE"), ++lsn));
    assertThat(last().features()).containsEntry("country", "SE").containsEntry(UserFeatures.EVENTS_1H, 1);
    users.pipeInput("{\"id\":4}", event("d", user(4, "SE"), null, ++lsn));
    assertThat(last().features()).containsEntry("signed_up_30d", 0).containsEntry(UserFeatures.EVENTS_1H, 1);
    assertThat(last0().features().get("country")).isNull();
  }

  /** users is declared replica_identity: full, as the demo's table is. */
  @Test
  void aFullReplicaIdentitySourceKeepsNoRowsAndARedeliveredEventChangesNothing() {
    TestInputTopic<String, String> users = usersTopic();
    String[] changes = {
        event("c", null, user(5, "PL"), 100),
        event("u", user(5, "PL"), user(5, "SE"), 101),
        event("u", user(5, "SE"), user(5, "NO"), 102)};
    for (String change : changes) {
      users.pipeInput("{\"id\":5}", change);
    }
    assertThat(last().features()).containsEntry("country", "NO").containsEntry("signed_up_30d", 1);
    // At-least-once CDC: after a restart ingest-cdc may send all of them again.
    for (String change : changes) {
      users.pipeInput("{\"id\":5}", change);
    }
    assertThat(last().features()).as("a replayed insert and updates").containsEntry("country", "NO").containsEntry("signed_up_30d", 1);
    users.pipeInput("{\"id\":5}", event("d", user(5, "NO"), null, 103));
    users.pipeInput("{\"id\":5}", event("d", user(5, "NO"), null, 103));
    assertThat(last().features()).as("a delete, twice").containsEntry("signed_up_30d", 0).containsEntry("country", null);
    users.pipeInput("{\"id\":5}", event("u", user(5, "NO"), user(5, "DK"), 101));
    assertThat(last().features()).as("an update of a row that is gone").containsEntry("signed_up_30d", 1).containsEntry("country", "DK");
    assertThat(countRows(driver.getKeyValueStore("rows-users"))).as("the tracker keeps no users rows").isZero();

    users.pipeInput("{\"id\":6}", event("u", null, user(6, "PL"), 104));
    users.pipeInput("{\"id\":6}", event("d", "{\"id\":6}", null, 105));
    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::reason).allSatisfy(reason -> assertThat(reason)
        .contains("source 'users' is declared replica_identity: full, but this").contains("carries no whole old row")
        .contains("ALTER TABLE public.users REPLICA IDENTITY FULL")).hasSize(2);
  }

  private TestInputTopic<String, String> usersTopic() {
    return driver.createInputTopic(FeatureDefinitions.bundled().source("users").topic(), Serdes.String().serializer(), Serdes.String().serializer());
  }

  private static String user(long id, String country) {
    return "{\"id\":" + id + ",\"name\":\"x\",\"country\":\"" + country + "\",\"created_at\":\"" + NOW.minusSeconds(5) + "\"}";
  }

  @Test
  void aRowDatedInTheFutureDoesNotMakeLaterRowsLate() {
    send("c", 1, null, row(1, 3, "view", null, NOW.plus(Duration.ofDays(365))));
    send("c", 2, null, row(2, 3, "view", null, NOW.minus(Duration.ofMinutes(5))));
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(last().features().get(UserFeatures.EVENTS_1H)).isEqualTo(2);
  }

  @Test
  void anEventMovedToAnotherUserLeavesTheFirst() {
    send("c", 5, null, row(5, 1, "purchase", "20.00", NOW.minusSeconds(5)));
    last();
    send("u", 5, null, row(5, 2, "purchase", "20.00", NOW.minusSeconds(5)));
    tick();
    Map<String, FeatureVector> byUser = features.readKeyValuesToMap();
    assertThat(amount(byUser.get("1"))).isEqualByComparingTo("0");
    assertThat(byUser.get("1").features().get("purchases_lifetime")).isEqualTo(0);
    assertThat(amount(byUser.get("2"))).isEqualByComparingTo("20.00");
  }

  @Test
  void versionsIncreaseStrictlyAndFollowThePublishTimeNotTheLsn() {
    changes.pipeInput("{\"id\":1}", event("r", null, row(1, 3, "view", null, NOW.minusSeconds(9)), 500));
    tick();
    changes.pipeInput("{\"id\":2}", event("r", null, row(2, 3, "view", null, NOW.minusSeconds(8)), 500));
    tick();
    changes.pipeInput("{\"id\":3}", event("c", null, row(3, 3, "view", null, NOW.minusSeconds(7)), 900));
    tick();
    List<FeatureVector> published = features.readValuesToList();
    assertThat(published).hasSize(3);
    for (int i = 0; i < published.size(); i++) {
      FeatureVector v = published.get(i);
      assertThat(v.version()).as("version of vector %d in microseconds of its publish time", i)
          .isEqualTo(v.computedAt().toEpochMilli() * 1000);
      if (i > 0) {
        assertThat(v.version()).isGreaterThan(published.get(i - 1).version());
      }
    }
  }

  @Test
  void aBurstOfChangesForOneUserIsOneVectorWithAllOfThem() {
    send("c", 1, null, row(1, 6, "view", null, NOW.minusSeconds(3)));
    send("c", 2, null, row(2, 6, "view", null, NOW.minusSeconds(2)));
    send("c", 3, null, row(3, 6, "purchase", "7.00", NOW.minusSeconds(1)));
    send("c", 4, null, row(4, 8, "view", null, NOW.minusSeconds(1)));
    tick();
    Map<String, List<FeatureVector>> byUser = features.readValuesToList().stream()
        .collect(java.util.stream.Collectors.groupingBy(FeatureVector::userId));
    assertThat(byUser.get("6")).hasSize(1);
    assertThat(byUser.get("8")).hasSize(1);
    FeatureVector six = byUser.get("6").get(0);
    assertThat(six.features().get(UserFeatures.EVENTS_1H)).isEqualTo(3);
    assertThat(six.sourceLsn()).isEqualTo(lsn - 10);
    tick();
    assertThat(features.isEmpty()).as("nothing changed since").isTrue();
  }

  @Test
  void aggregatesRebuiltFromTheKeptRowsEqualTheCachedOnes() {
    // A second topology that keeps one user in memory: every change of another user rebuilds.
    FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092",
        "features.cached-entities", "1")));
    Properties props = FeatureStreamsService.streamsProperties(config);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("rebuilding").toString());
    try (TopologyTestDriver rebuilding = new TopologyTestDriver(FeatureTopology.build(config), props, NOW)) {
      TestInputTopic<String, String> in = rebuilding.createInputTopic(config.definitions().source("events").topic(),
          Serdes.String().serializer(), Serdes.String().serializer());
      TestOutputTopic<String, FeatureVector> out = rebuilding.createOutputTopic(config.featuresTopic(),
          Serdes.String().deserializer(), FeatureVector.SERDE.deserializer());
      java.util.Random random = new java.util.Random(7);
      for (int i = 1; i <= 300; i++) {
        long user = 1 + random.nextInt(3);
        String kind = random.nextBoolean() ? "purchase" : "view";
        String op = i > 20 && random.nextInt(4) == 0 ? "u" : "c";
        long id = op.equals("u") ? 1 + random.nextInt(i - 1) : i;
        String value = event(op, null, row(id, user, kind, kind.equals("purchase") ? random.nextInt(100) + ".25" : null,
            NOW.minusSeconds(random.nextInt(7200)), "cat-" + random.nextInt(4), "a", "item-" + random.nextInt(9)), 10_000 + i);
        changes.pipeInput("{\"id\":" + id + "}", value);
        in.pipeInput("{\"id\":" + id + "}", value);
        tick();
        rebuilding.advanceWallClockTime(Duration.ofMillis(25));
        if (i % 50 == 0) { // and let rows leave the short windows
          driver.advanceWallClockTime(Duration.ofMinutes(3));
          rebuilding.advanceWallClockTime(Duration.ofMinutes(3));
        }
      }
      Map<String, FeatureVector> cached = features.readKeyValuesToMap();
      Map<String, FeatureVector> rebuilt = out.readKeyValuesToMap();
      assertThat(rebuilt.keySet()).isEqualTo(cached.keySet());
      cached.forEach((user, v) -> assertThat(rebuilt.get(user).features()).as("user %s", user).isEqualTo(v.features()));
    }
  }

  /**
   * The engine's replay (what training sets recompute from the change history) against the
   * stream: random inserts, updates, deletes, moves between users, late and future-dated rows in
   * two sources, with windows decaying between them; every vector the topology published equals
   * the replay's values at the vector's time, from the same change events applied at the times
   * the topology processed them.
   */
  @Test
  void theEnginesReplayOfTheChangesEqualsEveryVectorTheStreamPublished() {
    record Sent(String source, String key, String value, long atMs) {}
    List<Sent> sent = new java.util.ArrayList<>();
    TestInputTopic<String, String> users = usersTopic();
    java.util.Random random = new java.util.Random(11);
    Map<Long, String> liveEvents = new java.util.TreeMap<>();
    Map<Long, String> liveUsers = new java.util.TreeMap<>();
    Instant now = NOW;
    for (int i = 1; i <= 800; i++) {
      int dice = random.nextInt(20);
      if (dice < 2) { // a users row: insert, update or delete (replica identity full: the old row comes along)
        long id = 1 + random.nextInt(4);
        String old = liveUsers.get(id);
        String op = old == null ? "c" : random.nextInt(3) == 0 ? "d" : "u";
        String updated = op.equals("d") ? null : "{\"id\":" + id + ",\"name\":\"x\",\"country\":\"" + (random.nextBoolean() ? "PL" : "SE")
            + "\",\"created_at\":\"" + now.minusSeconds(random.nextInt(40 * 86_400)) + "\"}";
        String value = event(op, old, updated, ++lsn);
        if (updated == null) {
          liveUsers.remove(id);
        } else {
          liveUsers.put(id, updated);
        }
        users.pipeInput("{\"id\":" + id + "}", value);
        sent.add(new Sent("users", "{\"id\":" + id + "}", value, now.toEpochMilli()));
      } else {
        long id;
        String op;
        if (liveEvents.isEmpty() || dice < 12) {
          id = i;
          op = "c";
        } else {
          id = liveEvents.keySet().stream().skip(random.nextInt(liveEvents.size())).findFirst().orElseThrow();
          op = dice < 17 ? "u" : "d";
        }
        // Mostly recent, some older than the 10 minutes the source allows for new rows, a few ahead of the clock.
        Instant at = random.nextInt(10) == 0 ? now.minus(Duration.ofMinutes(11 + random.nextInt(120)))
            : random.nextInt(30) == 0 ? now.plusSeconds(1 + random.nextInt(600)) : now.minusSeconds(random.nextInt(540));
        String kind = switch (random.nextInt(3)) {
          case 0 -> "purchase";
          case 1 -> "view";
          default -> "click";
        };
        String after = op.equals("d") ? null : row(id, 1 + random.nextInt(4), kind, kind.equals("purchase") ? random.nextInt(300) + ".25" : null,
            at, "cat-" + random.nextInt(4), random.nextInt(5) == 0 ? null : "author-" + random.nextInt(3), "item-" + random.nextInt(9));
        if (after != null && after.contains("\"author\":\"null\"")) {
          after = after.replace("\"author\":\"null\"", "\"author\":null");
        }
        String value = event(op, op.equals("d") ? "{\"id\":" + id + "}" : null, after, ++lsn);
        if (after == null) {
          liveEvents.remove(id);
        } else {
          liveEvents.put(id, after);
        }
        changes.pipeInput("{\"id\":" + id + "}", value);
        sent.add(new Sent("events", "{\"id\":" + id + "}", value, now.toEpochMilli()));
      }
      Duration pause = switch (random.nextInt(40)) {
        case 0 -> Duration.ofMinutes(1 + random.nextInt(90)); // rows leave the shorter windows
        case 1 -> Duration.ofHours(1 + random.nextInt(30));
        default -> Duration.ofMillis(25);
      };
      driver.advanceWallClockTime(pause);
      now = now.plus(pause);
    }
    driver.advanceWallClockTime(Duration.ofDays(8)); // and decay with no change at all
    List<TestRecord<String, FeatureVector>> published = features.readRecordsToList();
    assertThat(published).hasSizeGreaterThan(500);
    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::reason).anyMatch(r -> r.startsWith("late event"));

    FeatureReplay replay = new FeatureReplay(FeatureDefinitions.bundled());
    Map<String, FeatureReplay.Partition> partitions = Map.of("events", replay.partition("events"), "users", replay.partition("users"));
    Map<String, FeatureReplay.Entity> entities = new java.util.HashMap<>();
    int next = 0;
    int compared = 0;
    for (var record : published) {
      FeatureVector vector = record.value();
      long publishedAt = vector.computedAt().toEpochMilli();
      // The topology publishes on its tick, after the changes processed before it.
      for (; next < sent.size() && sent.get(next).atMs() < publishedAt; next++) {
        Sent s = sent.get(next);
        for (RowDelta delta : partitions.get(s.source()).route(s.key(), s.value(), s.atMs())) {
          entities.computeIfAbsent(delta.entity(), e -> replay.entity()).apply(delta, s.atMs());
        }
      }
      Map<String, Object> recomputed = entities.get(vector.userId()).valuesAt(publishedAt);
      assertThat(Json.read(Json.write(recomputed), Map.class)).as("user %s at %s", vector.userId(), vector.computedAt())
          .isEqualTo(Json.read(Json.write(vector.features()), Map.class));
      compared++;
    }
    assertThat(compared).isEqualTo(published.size());
    assertThat(partitions.get("events").late()).isPositive();
  }

  @Test
  void malformedChangesGoToDeadLettersAndProcessingContinues() {
    changes.pipeInput("{\"id\":1}", "not json at all");
    changes.pipeInput("{\"id\":2}", event("c", null, "{\"id\":2,\"kind\":\"view\"}", 10));
    changes.pipeInput("{\"id\":3}", (String) null); // tombstone: expected, not an error
    changes.pipeInput("{\"id\":4}", event("c", null, row(4, 9, "purchase", "lots", NOW), 11));
    changes.pipeInput("{\"id\":5}", event("c", null, row(5, 9, "view", null, NOW).replace("\"user_id\":9", "\"user_id\":\"nine\""), 12));
    send("c", 6, null, row(6, 9, "view", null, NOW));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).extracting(DeadLetter::reason).satisfiesExactly(
        r -> assertThat(r).contains("not valid JSON"),
        r -> assertThat(r).isEqualTo("after.user_id is missing or null"),
        r -> assertThat(r).isEqualTo("after.amount: expected a decimal, got \"lots\""),
        r -> assertThat(r).isEqualTo("after.user_id: expected an integer, got \"nine\""));
    assertThat(dead.get(0).value()).isEqualTo("not json at all");
    assertThat(dead.get(1).sourceTopic()).isEqualTo("freshet.public.events");
    assertThat(last().userId()).isEqualTo("9");
  }

  @Test
  void aPoisonRecordOnAnInternalTopicDoesNotStopProcessing() {
    // Where it goes (the dead-letter topic, raw, with __streams.errors.* headers) is checked on a
    // real broker in EndToEndIT: the test driver does not emit Kafka Streams' own DLQ records.
    TestInputTopic<String, String> repartition = driver.createInputTopic(
        "freshet-features-deltas-by-entity-repartition", Serdes.String().serializer(), Serdes.String().serializer());
    repartition.pipeInput("7", "{not a delta");
    send("c", 1, null, row(1, 7, "view", null, NOW));
    assertThat(last().userId()).isEqualTo("7");
  }

  @Test
  void aWatermarkPassesOnlyOnceEveryPartitionReportedAndBehindTheVectorsBeforeIt() {
    TestOutputTopic<String, String> raw = driver.createOutputTopic(
        FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", "unused:9092"))).featuresTopic(),
        Serdes.String().deserializer(), Serdes.String().deserializer());
    marker(900, 0);
    assertThat(raw.isEmpty()).as("partition 1 of the change topic has not reported yet").isTrue();

    send("c", 1, null, row(1, 7, "purchase", "10.50", NOW.minusSeconds(60)));
    marker(1000, 1);
    marker(2000, 0);
    List<TestRecord<String, String>> out = raw.readRecordsToList();
    assertThat(out).hasSize(3);
    assertThat(Watermark.isMarker(out.get(0).headers())).as("the vector comes first").isFalse();
    Watermark first = Json.read(out.get(1).value(), Watermark.class);
    Watermark second = Json.read(out.get(2).value(), Watermark.class);
    assertThat(List.of(first.lsn(), second.lsn())).containsExactly(900L, 1000L); // minimum over both partitions
    assertThat(first.stream()).isEqualTo(Watermark.FEATURES_STREAM);
    assertThat(first.senders()).isEqualTo(2);
    assertThat(Watermark.isMarker(out.get(1).headers())).isTrue();

    marker(1500, 1);
    assertThat(Json.read(raw.readValue(), Watermark.class).lsn()).isEqualTo(1500L);
    marker(1400, 1); // a replayed, older marker moves nothing
    assertThat(raw.isEmpty()).isTrue();
  }

  /** What ingest-cdc writes to partition {@code partition} of each change topic (2 partitions). */
  private void marker(long lsn, int partition) {
    for (var source : FeatureDefinitions.bundled().sources()) {
      TestInputTopic<String, String> topic = driver.createInputTopic(source.topic(), Serdes.String().serializer(), Serdes.String().serializer());
      topic.pipeInput(new TestRecord<>("freshet", Json.write(new Watermark("freshet", lsn, source.topic(), partition, 2)),
          Watermark.markerHeaders(), NOW));
    }
  }

  /** One aggregator tick: what the changes so far publish. */
  private void tick() {
    driver.advanceWallClockTime(Duration.ofMillis(25));
  }

  private FeatureVector last() {
    tick();
    List<FeatureVector> all = features.readValuesToList();
    assertThat(all).isNotEmpty();
    lastSeen = all.get(all.size() - 1);
    return lastSeen;
  }

  private FeatureVector lastSeen;

  private FeatureVector last0() {
    return lastSeen;
  }

  private static BigDecimal amount(FeatureVector v) {
    return new BigDecimal(v.features().get(UserFeatures.PURCHASE_AMOUNT_24H).toString());
  }

  private void send(String op, long id, String before, String after) {
    lsn += 10;
    changes.pipeInput("{\"id\":" + id + "}", event(op, before, after, lsn));
  }

  static String event(String op, String before, String after, long lsn) {
    return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"lsn\":" + lsn + ",\"ts_ms\":"
        + NOW.toEpochMilli() + "},\"op\":\"" + op + "\"}";
  }

  static String row(long id, long userId, String kind, String amount, Instant at) {
    return row(id, userId, kind, amount, at, "books", "king", "item-" + id);
  }

  static String row(long id, long userId, String kind, String amount, Instant at, String category, String author, String item) {
    return "{\"id\":" + id + ",\"user_id\":" + userId + ",\"kind\":\"" + kind + "\",\"item\":\"" + item
        + "\",\"category\":\"" + category + "\",\"author\":\"" + author + "\",\"amount\":"
        + (amount == null ? "null" : "\"" + amount + "\"") + ",\"occurred_at\":\"" + at + "\"}";
  }
}
