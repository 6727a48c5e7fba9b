package dev.freshet.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics in checks (tests, {@code bin/chaos}) by partition up to given end offsets (read_committed), with no consumer
 * group: a group's join can outlast a few empty polls on a loaded box, and then nothing is read.
 */
public final class TopicRecords {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private TopicRecords() {}

  /** Every partition of {@code topics} with its end offset (the last stable offset) now. */
  public static Map<TopicPartition, Long> endOffsets(String bootstrap, String... topics) {
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      return consumer.endOffsets(partitions);
    }
  }

  /** The records of each partition of {@code end} from {@code from} (absent: the beginning) to below {@code end}. */
  public static List<ConsumerRecord<String, String>> read(String bootstrap, Map<TopicPartition, Long> from, Map<TopicPartition, Long> end) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
      List<TopicPartition> partitions = new ArrayList<>(end.keySet());
      consumer.assign(partitions);
      partitions.forEach(tp -> consumer.seek(tp, from.getOrDefault(tp, 0L)));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + partitions + " up to " + end + " within " + WAIT);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            records.add(r);
          }
        }
      }
    }
    return records;
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
  }
}
