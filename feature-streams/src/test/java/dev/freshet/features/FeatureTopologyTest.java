package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Settings;
import dev.freshet.common.UserFeatures;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    changes = driver.createInputTopic(config.eventsTopic(), Serdes.String().serializer(), Serdes.String().serializer());
    features = driver.createOutputTopic(config.featuresTopic(), Serdes.String().deserializer(), FeatureVector.SERDE.deserializer());
    deadLetters = driver.createOutputTopic(config.deadLetterTopic(), Serdes.String().deserializer(), DeadLetter.SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  @Test
  void insertsUpdatesAndDeletesCorrectTheUsersVector() {
    send("c", 1, null, row(1, 7, "purchase", "10.50", NOW.minusSeconds(60)));
    send("c", 2, null, row(2, 7, "view", null, NOW.minusSeconds(30)));
    send("c", 3, null, row(3, 7, "purchase", "4.00", NOW.minus(Duration.ofHours(30))));
    FeatureVector v = last();
    assertThat(v.userId()).isEqualTo("7");
    assertThat(v.features().get(UserFeatures.EVENTS_1H)).isEqualTo(2);
    assertThat(amount(v)).isEqualByComparingTo("10.50");
    assertThat(v.features().get(UserFeatures.LAST_VIEWED_CATEGORY)).isEqualTo("books");

    send("u", 1, null, row(1, 7, "purchase", "99.99", NOW.minusSeconds(60)));
    assertThat(amount(last())).isEqualByComparingTo("99.99");

    send("d", 1, "{\"id\":1}", null);
    FeatureVector afterDelete = last();
    assertThat(amount(afterDelete)).isEqualByComparingTo("0");
    assertThat(afterDelete.features().get(UserFeatures.EVENTS_1H)).isEqualTo(1);
    assertThat(afterDelete.sourceLsn()).isEqualTo(lsn);
  }

  @Test
  void anEventMovedToAnotherUserLeavesTheFirst() {
    send("c", 5, null, row(5, 1, "purchase", "20.00", NOW.minusSeconds(5)));
    features.readValuesToList();
    send("u", 5, null, row(5, 2, "purchase", "20.00", NOW.minusSeconds(5)));
    Map<String, FeatureVector> byUser = features.readKeyValuesToMap();
    assertThat(amount(byUser.get("1"))).isEqualByComparingTo("0");
    assertThat(amount(byUser.get("2"))).isEqualByComparingTo("20.00");
  }

  @Test
  void versionsIncreaseEvenWhenSnapshotRowsShareAnLsn() {
    changes.pipeInput("{\"id\":1}", event("r", null, row(1, 3, "view", null, NOW.minusSeconds(9)), 500));
    changes.pipeInput("{\"id\":2}", event("r", null, row(2, 3, "view", null, NOW.minusSeconds(8)), 500));
    changes.pipeInput("{\"id\":3}", event("c", null, row(3, 3, "view", null, NOW.minusSeconds(7)), 900));
    List<Long> versions = features.readValuesToList().stream().map(FeatureVector::version).toList();
    assertThat(versions).containsExactly(500L, 501L, 900L);
  }

  @Test
  void malformedChangesGoToDeadLettersAndProcessingContinues() {
    changes.pipeInput("{\"id\":1}", "not json at all");
    changes.pipeInput("{\"id\":2}", event("c", null, "{\"id\":2,\"kind\":\"view\"}", 10));
    changes.pipeInput("{\"id\":3}", (String) null); // tombstone: expected, not an error
    send("c", 4, null, row(4, 9, "view", null, NOW));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).reason()).contains("not valid JSON");
    assertThat(dead.get(0).value()).isEqualTo("not json at all");
    assertThat(dead.get(1).reason()).contains("user_id");
    assertThat(dead.get(1).sourceTopic()).isEqualTo("freshet.public.events");
    assertThat(last().userId()).isEqualTo("9");
  }

  @Test
  void purchaseWindowFollowsTheWallClock() {
    send("c", 1, null, row(1, 4, "purchase", "5.00", NOW.minus(Duration.ofHours(23))));
    assertThat(amount(last())).isEqualByComparingTo("5.00");
    driver.advanceWallClockTime(Duration.ofHours(2));
    send("c", 2, null, row(2, 4, "view", null, NOW.plus(Duration.ofHours(2))));
    assertThat(amount(last())).isEqualByComparingTo("0");
  }

  private FeatureVector last() {
    List<FeatureVector> all = features.readValuesToList();
    assertThat(all).isNotEmpty();
    return all.get(all.size() - 1);
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
    return "{\"id\":" + id + ",\"user_id\":" + userId + ",\"kind\":\"" + kind + "\",\"item\":\"item-" + id
        + "\",\"category\":\"books\",\"author\":\"king\",\"amount\":" + (amount == null ? "null" : "\"" + amount + "\"")
        + ",\"occurred_at\":\"" + at + "\"}";
  }
}
