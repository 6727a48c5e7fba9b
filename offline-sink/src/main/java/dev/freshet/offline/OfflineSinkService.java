package dev.freshet.offline;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.OpsServer;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.common.freshness.Watermark;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every feature vector to the Iceberg feature log, one commit per interval. Positions are
 * taken from the table (not the consumer group), so a restart resumes exactly after the last commit.
 */
public final class OfflineSinkService implements ConsumerLoop.Handler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OfflineSinkService.class);

  private final OfflineSinkConfig config;
  private final FeatureLogTable log;
  private final Counter appended;
  private final Counter skipped;
  private final ConsumerLoop loop;
  private final OpsServer ops;
  // Touched only on the loop thread.
  private final List<FeatureLogTable.Row> buffer = new ArrayList<>();
  private final Map<Integer, Long> nextOffsets = new HashMap<>();
  private long lastCommit = System.nanoTime();

  private OfflineSinkService(OfflineSinkConfig config) {
    this.config = config;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    appended = Counter.builder("freshet_offline_sink_rows_appended").register(registry);
    skipped = Counter.builder("freshet_offline_sink_unreadable_records").register(registry);
    log = new FeatureLogTable(config);
    loop = ConsumerLoop.start("freshet-offline-sink",
        ConsumerLoop.sinkConsumerProperties(config.kafkaBootstrapServers(), config.groupId()), config.featuresTopic(), this);
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry,
        () -> loop.health("appending to " + config.namespace() + "." + config.table()));
    LOG.info("offline-sink: {} -> Iceberg {}.{} in {} (ops port {})",
        config.featuresTopic(), config.namespace(), config.table(), config.warehouse(), ops.port());
  }

  public static OfflineSinkService start(OfflineSinkConfig config) {
    return new OfflineSinkService(config);
  }

  @Override
  public void onAssigned(Consumer<String, String> consumer, Collection<TopicPartition> partitions) {
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

  @Override
  public void onRevoked(Collection<TopicPartition> partitions) {
    // Uncommitted rows of revoked partitions are dropped here and re-read by their new owner.
    buffer.removeIf(r -> partitions.contains(new TopicPartition(config.featuresTopic(), r.partition())));
    partitions.forEach(tp -> nextOffsets.remove(tp.partition()));
  }

  @Override
  public void onPoll(Consumer<String, String> consumer, ConsumerRecords<String, String> records) {
    for (ConsumerRecord<String, String> r : records) {
      nextOffsets.put(r.partition(), r.offset() + 1);
      if (r.value() == null || Watermark.isMarker(r.headers())) {
        continue; // freshness markers are for the online store
      }
      try {
        buffer.add(new FeatureLogTable.Row(Json.read(r.value(), FeatureVector.class), r.partition(), r.offset()));
      } catch (RuntimeException e) {
        // online-sink dead-letters the same record; counting and logging it here avoids a second copy.
        skipped.increment();
        LOG.warn("skipping unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      }
    }
    if (System.nanoTime() - lastCommit >= config.commitInterval().toNanos()) {
      flush();
      lastCommit = System.nanoTime();
    }
  }

  @Override
  public void onStop(Consumer<String, String> consumer) {
    flush();
  }

  private void flush() {
    if (buffer.isEmpty()) {
      return; // skipped records alone are not worth a snapshot: they are re-read and skipped again
    }
    log.append(buffer, nextOffsets);
    appended.increment(buffer.size());
    buffer.clear();
    nextOffsets.clear();
  }

  public FeatureLogTable log() {
    return log;
  }

  public String failure() {
    return loop.failure();
  }

  @Override
  public void close() {
    loop.close();
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("error closing the Iceberg catalog", e);
    }
    ops.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("offline-sink", () -> start(OfflineSinkConfig.from(Settings.fromArgs(args))));
  }
}
