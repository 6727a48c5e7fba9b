package dev.freshet.local;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.Json;
import dev.freshet.common.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads {@code freshet.dead-letters} in tests: JSON dead letters and Kafka Streams' raw ones share it. */
final class DeadLetterTopic {
  static final Duration WAIT = Duration.ofSeconds(60);

  private DeadLetterTopic() {}

  /** The first committed record matching {@code match}, read from the beginning. */
  static ConsumerRecord<String, String> await(String bootstrap, Predicate<ConsumerRecord<String, String>> match) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-test-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.DEAD_LETTERS));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() != null && match.test(r)) {
            return r;
          }
        }
      }
    }
    throw new AssertionError("no matching record on " + Topics.DEAD_LETTERS + " within " + WAIT);
  }

  /** The JSON dead letter whose original value is {@code value}. */
  static DeadLetter awaitOriginal(String bootstrap, String value) {
    return letter(await(bootstrap, r -> value.equals(originalValue(r))));
  }

  static DeadLetter letter(ConsumerRecord<String, String> r) {
    return Json.read(r.value(), DeadLetter.class);
  }

  /** The original value a JSON dead letter carries; null for Kafka Streams' raw ones. */
  private static String originalValue(ConsumerRecord<String, String> r) {
    try {
      return letter(r).value();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
