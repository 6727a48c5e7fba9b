package dev.freshet.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a service reads or writes when they do not exist yet, so services can start in
 * any order (Kafka Streams refuses to start on a missing source topic). Existing topics are left
 * exactly as they are.
 */
public final class KafkaTopics {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

  private KafkaTopics() {}

  public static void ensure(KafkaConnection kafka, Map<String, Integer> partitionsByTopic, short replicationFactor) {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      partitionsByTopic.forEach((topic, partitions) -> {
        if (!existing.contains(topic)) {
          missing.add(new NewTopic(topic, partitions, replicationFactor));
        }
      });
      if (missing.isEmpty()) {
        return;
      }
      for (var result : admin.createTopics(missing).values().entrySet()) {
        try {
          result.getValue().get();
          LOG.info("created topic {}", result.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + result.getKey() + ": " + e.getCause().getMessage(), e.getCause());
          }
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics on " + kafka.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }
}
