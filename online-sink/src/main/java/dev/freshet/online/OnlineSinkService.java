package dev.freshet.online;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Tracing;
import io.opentelemetry.api.trace.Span;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.common.freshness.WatermarkMerger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the features topic and upserts each user's vector into the CQL store, after bringing
 * the store's schema up to date ({@link FeatureStoreMigrations}). Offsets are committed only after
 * the batch's writes succeeded (at least once; the writes are idempotent, so effectively once).
 * A record that is not a feature vector, or a vector the store rejects, goes to the dead-letter
 * topic with the reason and the sink goes on; an unavailable store is retried until it answers.
 *
 * <p>Watermark markers on a partition are merged over the feature engine's tasks; once the vectors
 * read before a higher one are stored, it is recorded in {@code freshness_watermarks} for the
 * partition (before the offsets move), which is what serving's {@code min_lsn} waits for.
 */
public final class OnlineSinkService implements ConsumerLoop.Handler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineSinkService.class);
  static final String STAGE = "online-sink";

  private final OnlineSinkConfig config;
  private final CqlSession session;
  private final FeatureStoreWriter writer;
  private final KafkaProducer<String, String> deadLetters;
  private final Counter written;
  private final Counter deadLettered;
  private final Timer batchTimer;
  private final AtomicLong watermarkLsn = new AtomicLong(-1);
  private final Map<Integer, WatermarkMerger> mergers = new HashMap<>();
  /** Where a merged watermark applies; each one's LSN is recorded once the batch's writes are stored. */
  private record SourcePartition(String source, int partition) {}

  private final Map<SourcePartition, Long> applied = new HashMap<>();
  private final ConsumerLoop loop;
  private final OpsServer ops;
  private final Tracing tracing;

  private OnlineSinkService(OnlineSinkConfig config) {
    this.config = config;
    this.tracing = Tracing.start(config.tracing(), "online-sink");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    written = Counter.builder("freshet_online_sink_vectors_written").register(registry);
    deadLettered = Counter.builder("freshet_online_sink_dead_letters").register(registry);
    batchTimer = Timer.builder("freshet_online_sink_batch").publishPercentiles(0.5, 0.99).register(registry);
    registry.gauge("freshet_online_sink_watermark_lsn", watermarkLsn);
    session = CqlSessions.open(config.cql(), config.requestTimeout(), java.time.Duration.ZERO);
    FeatureStoreMigrations.apply(session, config.keyspace(),
        FeatureStoreMigrations.replication(config.replicationFactor(), config.replicationDatacenters()));
    writer = new FeatureStoreWriter(session, config.keyspace(), config.ttl(), config.maxInFlight());
    registry.gauge("freshet_online_sink_pending_writes", writer, FeatureStoreWriter::pending);
    registry.more().counter("freshet_online_sink_write_retries", java.util.List.of(), writer, FeatureStoreWriter::retried);
    Properties p = config.kafka().properties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    deadLetters = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());

    Properties c = ConsumerLoop.sinkConsumerProperties(config.kafka(), config.groupId(), config.sessionTimeout());
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    loop = ConsumerLoop.start("freshet-online-sink", c, config.featuresTopic(), this);
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> loop.health("writing to " + config.keyspace()));
    LOG.info("online-sink: {} -> CQL {} keyspace {} (ops port {})",
        config.featuresTopic(), config.cql(), config.keyspace(), ops.port());
  }

  /** The ops listener's port ({@code /health}, {@code /metrics}). */
  public int opsPort() {
    return ops.port();
  }

  public static OnlineSinkService start(OnlineSinkConfig config) {
    return new OnlineSinkService(config);
  }

  @Override
  public void onPoll(Consumer<String, String> consumer, ConsumerRecords<String, String> records) throws Exception {
    if (records.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    List<CompletableFuture<?>> writes = new ArrayList<>(records.count());
    for (ConsumerRecord<String, String> r : records) {
      if (Watermark.isMarker(r.headers())) {
        offerWatermark(r).ifPresent(writes::add);
        continue;
      }
      if (r.value() == null) {
        continue;
      }
      FeatureVector vector;
      try {
        vector = Json.read(r.value(), FeatureVector.class);
        if (vector.userId() == null || vector.features() == null) {
          throw new IllegalArgumentException("user_id or features missing");
        }
      } catch (RuntimeException e) {
        writes.add(deadLetter(r, "not a feature vector: " + e.getMessage()));
        continue;
      }
      Span span = tracing.continuing("online-sink write", r.headers());
      writes.add(writer.write(vector).whenComplete((ok, error) -> span.end()).exceptionallyCompose(error -> error instanceof CancellationException
          ? CompletableFuture.failedFuture(error) // stopping: leave the offset uncommitted
          : deadLetter(r, "the store rejected the vector: " + error.getMessage()).thenApply(sent -> null)));
    }
    // Watermarks are recorded only after every write of the batch, offsets only after both.
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    recordWatermarks(consumer);
    consumer.commitSync();
    written.increment(writes.size());
    batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  /** Merges a marker; a dead letter (as a pending write) if it cannot be read. */
  private Optional<CompletableFuture<?>> offerWatermark(ConsumerRecord<String, String> r) {
    Watermark w;
    try {
      w = Json.read(r.value(), Watermark.class);
      mergers.computeIfAbsent(r.partition(), p -> new WatermarkMerger(Set.of(Watermark.FEATURES_STREAM)))
          .offer(w)
          .ifPresent(lsn -> applied.put(new SourcePartition(w.source(), r.partition()), lsn));
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(deadLetter(r, "unreadable watermark marker: " + e.getMessage()));
    }
  }

  private void recordWatermarks(Consumer<String, String> consumer) throws Exception {
    if (applied.isEmpty()) {
      return;
    }
    int partitions = consumer.partitionsFor(config.featuresTopic()).size();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (Map.Entry<SourcePartition, Long> e : applied.entrySet()) {
      writes.add(writer.writeWatermark(e.getKey().source(), e.getKey().partition(), partitions, e.getValue()));
      watermarkLsn.set(e.getValue());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    applied.clear();
  }

  /** A partition that moves to another sink instance starts over there; so do its markers. */
  @Override
  public void onRevoked(Collection<TopicPartition> partitions) {
    partitions.forEach(tp -> {
      mergers.remove(tp.partition());
      applied.keySet().removeIf(at -> at.partition() == tp.partition());
    });
  }

  private CompletableFuture<?> deadLetter(ConsumerRecord<String, String> r, String reason) {
    deadLettered.increment();
    DeadLetter dl = new DeadLetter(STAGE, reason, r.topic(), r.partition(), r.offset(), r.key(), r.value(), Instant.now());
    CompletableFuture<Object> sent = new CompletableFuture<>();
    deadLetters.send(new ProducerRecord<>(config.deadLetterTopic(), r.key(), Json.write(dl)), (meta, error) -> {
      if (error != null) {
        sent.completeExceptionally(error);
      } else {
        sent.complete(meta);
      }
    });
    return sent;
  }

  /** Null while healthy, else what stopped the sink. */
  public String failure() {
    return loop.failure();
  }

  @Override
  public void close() {
    loop.close(); // drains and commits; then the writer stops retrying anything left
    writer.close();
    deadLetters.close();
    session.close();
    ops.close();
    tracing.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("online-sink", () -> start(OnlineSinkConfig.from(Settings.fromArgs(args))));
  }
}
