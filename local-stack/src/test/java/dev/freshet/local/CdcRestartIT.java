package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.Topics;
import dev.freshet.common.freshness.Watermark;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ingest-cdc resumes from its Kafka-stored offsets: what was written while it was down arrives. */
@ExtendWith(SharedStack.class)
class CdcRestartIT {

  @Test
  void rowsWrittenWhileIngestIsStoppedArriveAfterItStartsAgain() {
    SharedStack.Running stack = SharedStack.get();
    DemoDatabase db = stack.db();
    HttpJson http = new HttpJson(stack.pipeline().servingUrl());
    long user = 900_100;
    db.upsertUser(user, "ed", "FR");
    db.insertEvent(user, "view", "film-1", "films", "kafka", null);
    Await.until(Duration.ofSeconds(60), "first event of user " + user, () -> http.get("/v1/users/" + user + "/features").status(), s -> s == 200);

    stack.pipeline().stopCdc();
    String bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    Map<TopicPartition, Long> endWhenStopped = endOffsets(bootstrap);
    Set<Long> writtenWhileDown = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      writtenWhileDown.add(db.insertEvent(user, "purchase", "film-" + i, "films", "kafka", new BigDecimal("10.00")));
    }
    long corrected = writtenWhileDown.iterator().next();
    db.update("UPDATE events SET amount = 20.00 WHERE id = ?", corrected);
    stack.pipeline().startCdcAgain();

    ReferenceFeatures reference = new ReferenceFeatures(db.dataSource());
    Await.until(Duration.ofSeconds(90), "features of user " + user + " to equal the reference after the restart",
        () -> reference.mismatches(http, user, user), List::isEmpty);
    assertThat(eventIdsOnTopic(bootstrap)).containsAll(writtenWhileDown);
    // Resumed, not snapshotted again: a new snapshot would re-send every row (op "r"), which the
    // features alone cannot tell from resuming (snapshot rows re-apply idempotently).
    List<String> opsAfterRestart = changeOpsFrom(bootstrap, endWhenStopped);
    assertThat(opsAfterRestart).as("change events after the restart").contains("c", "u").doesNotContain("r");
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
  }

  private static List<TopicPartition> changeTopicPartitions(KafkaConsumer<String, String> consumer) {
    List<TopicPartition> all = new ArrayList<>();
    for (String topic : List.of(Topics.EVENTS_CHANGES, Topics.USERS_CHANGES)) {
      consumer.partitionsFor(topic).forEach(p -> all.add(new TopicPartition(topic, p.partition())));
    }
    return all;
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap) {
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      return consumer.endOffsets(changeTopicPartitions(consumer));
    }
  }

  /** The change events (not markers) on the change topics from {@code from} (absent: the beginning) to their current end. */
  private static List<ConsumerRecord<String, String>> changesFrom(String bootstrap, Map<TopicPartition, Long> from) {
    List<ConsumerRecord<String, String>> changes = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      List<TopicPartition> partitions = changeTopicPartitions(consumer);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      consumer.assign(partitions);
      partitions.forEach(tp -> consumer.seek(tp, from.getOrDefault(tp, 0L)));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (!Watermark.isMarker(r.headers()) && r.value() != null) {
            changes.add(r);
          }
        }
      }
    }
    return changes;
  }

  private static List<String> changeOpsFrom(String bootstrap, Map<TopicPartition, Long> from) {
    return changesFrom(bootstrap, from).stream().map(r -> Json.read(r.value(), JsonNode.class).path("op").asText()).toList();
  }

  /**
   * The ids of the events on the events topic (read by partition to its end, not through a consumer
   * group: a group's join can outlast a few empty polls on a loaded box, and then nothing is read).
   */
  private static Set<Long> eventIdsOnTopic(String bootstrap) {
    Set<Long> ids = new HashSet<>();
    for (ConsumerRecord<String, String> r : changesFrom(bootstrap, Map.of())) {
      if (r.topic().equals(Topics.EVENTS_CHANGES) && r.key() != null && r.key().startsWith("{\"id\":")) {
        ids.add(Long.parseLong(r.key().replaceAll("[^0-9-]", "")));
      }
    }
    return ids;
  }
}
