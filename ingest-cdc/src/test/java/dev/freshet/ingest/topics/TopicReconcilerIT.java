package dev.freshet.ingest.topics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.KafkaConnection;
import dev.freshet.embedded.KafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Declared topics against a real broker: created, grown, configured; a shrink refused and left as it is. */
class TopicReconcilerIT {
  @TempDir static Path dir;
  static KafkaBroker kafka;
  static Admin admin;

  @BeforeAll
  static void start() {
    kafka = KafkaBroker.start(dir.resolve("kafka"), 1);
    admin = Admin.create(KafkaConnection.plaintext(kafka.bootstrapServers()).clientProperties());
  }

  @AfterAll
  static void stop() {
    admin.close();
    kafka.close();
  }

  @Test
  void missingTopicsAreCreatedAsDeclaredAndThenNothingIsPending() throws Exception {
    DeclaredTopics declared = new DeclaredTopics(Map.of("t.created", new DeclaredTopic(3, (short) 1, Map.of("cleanup.policy", "compact"))));
    TopicReconciler reconciler = new TopicReconciler(admin);
    List<TopicChange> changes = reconciler.plan(declared);
    assertThat(changes).singleElement().isInstanceOf(TopicChange.Create.class);
    reconciler.apply(changes);
    assertThat(partitions("t.created")).isEqualTo(3);
    assertThat(config("t.created", "cleanup.policy")).isEqualTo("compact");
    assertThat(reconciler.plan(declared)).isEmpty();
  }

  @Test
  void aTopicWithFewerPartitionsIsGrownAndItsDeclaredConfigsSetOthersLeftAlone() throws Exception {
    admin.createTopics(List.of(new NewTopic("t.grown", 1, (short) 1).configs(Map.of("retention.ms", "1000", "segment.ms", "3600000"))))
        .all().get();
    DeclaredTopics declared = new DeclaredTopics(Map.of("t.grown", new DeclaredTopic(4, (short) 1, Map.of("retention.ms", "604800000"))));
    TopicReconciler reconciler = new TopicReconciler(admin);
    List<TopicChange> changes = reconciler.plan(declared);
    assertThat(changes).containsExactlyInAnyOrder(new TopicChange.GrowPartitions("t.grown", 1, 4),
        new TopicChange.AlterConfigs("t.grown", Map.of("retention.ms", "604800000"), Map.of("retention.ms", "1000")));
    reconciler.apply(changes);
    assertThat(partitions("t.grown")).isEqualTo(4);
    assertThat(config("t.grown", "retention.ms")).isEqualTo("604800000");
    assertThat(config("t.grown", "segment.ms")).as("a config not declared").isEqualTo("3600000");
    assertThat(reconciler.plan(declared)).isEmpty();
  }

  @Test
  void fewerPartitionsOrAnotherReplicationFactorAreRefusedAndReportedEveryTime() throws Exception {
    admin.createTopics(List.of(new NewTopic("t.wide", 5, (short) 1))).all().get();
    DeclaredTopics declared = new DeclaredTopics(Map.of("t.wide", new DeclaredTopic(2, (short) 3, Map.of())));
    TopicReconciler reconciler = new TopicReconciler(admin);
    List<TopicChange> changes = reconciler.plan(declared);
    assertThat(changes).containsExactlyInAnyOrder(TopicChange.Refused.shrink("t.wide", 5, 2),
        TopicChange.Refused.replicationChange("t.wide", 1, 3));
    assertThat(changes).allMatch(TopicChange::refused);
    assertThat(changes.get(0).toString()).contains("REFUSED: t.wide has 5 partitions and 2 are declared");
    reconciler.apply(changes);
    assertThat(partitions("t.wide")).isEqualTo(5);
    assertThat(reconciler.plan(declared)).hasSize(2);
  }

  private static int partitions(String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
  }

  private static String config(String topic, String key) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(r)).all().get().get(r).get(key).value();
  }
}
