package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.Topics;
import dev.freshet.common.freshness.Watermark;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ingest-cdc resumes from its Kafka-stored offsets: what was written while it was down arrives. */
@ExtendWith(SharedStack.class)
class CdcRestartIT {
  private static final String[] CHANGE_TOPICS = {Topics.EVENTS_CHANGES, Topics.USERS_CHANGES};

  @Test
  void rowsWrittenWhileIngestIsStoppedArriveAfterItStartsAgain() {
    SharedStack.Running stack = SharedStack.get();
    DemoDatabase db = stack.db();
    HttpJson http = stack.pipeline().api();
    long user = 900_100;
    db.upsertUser(user, "ed", "FR");
    db.insertEvent(user, "view", "film-1", "films", "kafka", null);
    Await.until(Duration.ofSeconds(60), "first event of user " + user, () -> http.get("/v1/users/" + user + "/features").status(), s -> s == 200);

    stack.pipeline().stopCdc();
    String bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    Map<TopicPartition, Long> endWhenStopped = TopicRecords.endOffsets(bootstrap, CHANGE_TOPICS);
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

  /** The change events (not markers) on the change topics from {@code from} (absent: the beginning) to their current end. */
  private static List<ConsumerRecord<String, String>> changesFrom(String bootstrap, Map<TopicPartition, Long> from) {
    return TopicRecords.read(bootstrap, from, TopicRecords.endOffsets(bootstrap, CHANGE_TOPICS)).stream()
        .filter(r -> !Watermark.isMarker(r.headers()) && r.value() != null).toList();
  }

  private static List<String> changeOpsFrom(String bootstrap, Map<TopicPartition, Long> from) {
    return changesFrom(bootstrap, from).stream().map(r -> Json.read(r.value(), JsonNode.class).path("op").asText()).toList();
  }

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
