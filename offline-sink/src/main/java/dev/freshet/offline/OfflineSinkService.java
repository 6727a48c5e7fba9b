package dev.freshet.offline;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.OpsServer;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every feature vector to the Iceberg feature log, one commit per interval. Positions are
 * taken from the table (not the consumer group), so a restart resumes exactly after the last commit.
 */
public final class OfflineSinkService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OfflineSinkService.class);

  private final OfflineSinkConfig config;
  private final FeatureLogTable log;
  private final KafkaConsumer<String, String> consumer;
  private final Thread loop;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final OpsServer ops;
  private final Counter appended;
  private final Counter skipped;

  private OfflineSinkService(OfflineSinkConfig config) {
    this.config = config;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    appended = Counter.builder("freshet_offline_sink_rows_appended").register(registry);
    skipped = Counter.builder("freshet_offline_sink_unreadable_records").register(registry);
    log = new FeatureLogTable(config);
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    loop = new Thread(this::run, "freshet-offline-sink");
    loop.start();
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> failure.get() == null
        ? new OpsServer.Health(true, "appending to " + config.namespace() + "." + config.table())
        : new OpsServer.Health(false, failure.get()));
    LOG.info("offline-sink: {} -> Iceberg {}.{} in {} (ops port {})",
        config.featuresTopic(), config.namespace(), config.table(), config.warehouse(), ops.port());
  }

  public static OfflineSinkService start(OfflineSinkConfig config) {
    return new OfflineSinkService(config);
  }

  private void run() {
    List<FeatureLogTable.Row> buffer = new ArrayList<>();
    Map<Integer, Long> nextOffsets = new HashMap<>();
    long lastCommit = System.nanoTime();
    try {
      consumer.subscribe(List.of(config.featuresTopic()), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          // Uncommitted rows of revoked partitions are dropped here and re-read by the new owner.
          buffer.removeIf(r -> partitions.contains(new TopicPartition(config.featuresTopic(), r.partition())));
          partitions.forEach(tp -> nextOffsets.remove(tp.partition()));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          Map<Integer, Long> committed = log.committedOffsets();
          for (TopicPartition tp : partitions) {
            Long next = committed.get(tp.partition());
            if (next != null) {
              consumer.seek(tp, next);
            } else {
              consumer.seekToBeginning(List.of(tp));
            }
          }
        }
      });
      while (running.get()) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          nextOffsets.put(r.partition(), r.offset() + 1);
          if (r.value() == null) {
            continue;
          }
          try {
            buffer.add(new FeatureLogTable.Row(Json.read(r.value(), FeatureVector.class), r.partition(), r.offset()));
          } catch (RuntimeException e) {
            // online-sink dead-letters the same record; logging it here keeps one copy in the DLQ.
            skipped.increment();
            LOG.warn("skipping unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
          }
        }
        boolean due = System.nanoTime() - lastCommit >= config.commitInterval().toNanos();
        if (due && !nextOffsets.isEmpty()) {
          flush(buffer, nextOffsets);
          lastCommit = System.nanoTime();
        }
      }
      if (!nextOffsets.isEmpty()) {
        flush(buffer, nextOffsets);
      }
    } catch (WakeupException e) {
      if (!nextOffsets.isEmpty()) {
        flush(buffer, nextOffsets);
      }
    } catch (RuntimeException e) {
      failure.set(e.toString());
      LOG.error("offline-sink stopped: {}", e.toString(), e);
    } finally {
      consumer.close();
      stopped.countDown();
    }
  }

  private void flush(List<FeatureLogTable.Row> buffer, Map<Integer, Long> nextOffsets) {
    if (buffer.isEmpty()) {
      return; // offsets of skipped records alone are not worth a snapshot; they are re-read and skipped again
    }
    log.append(buffer, nextOffsets);
    appended.increment(buffer.size());
    LOG.debug("appended {} rows", buffer.size());
    buffer.clear();
    nextOffsets.clear();
  }

  public FeatureLogTable log() {
    return log;
  }

  public String failure() {
    return failure.get();
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      stopped.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("error closing catalog", e);
    }
    ops.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("offline-sink", () -> start(OfflineSinkConfig.from(Settings.fromArgs(args))));
  }
}
