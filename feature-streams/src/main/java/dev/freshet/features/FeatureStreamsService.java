package dev.freshet.features;

import dev.freshet.common.KafkaTopics;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Tracing;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link FeatureTopology} with exactly-once processing and low-latency commits. */
public final class FeatureStreamsService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStreamsService.class);

  private final Tracing tracing;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;
  private final OpsServer ops;
  private final PrometheusMeterRegistry registry;

  private FeatureStreamsService(FeatureStreamsConfig config) {
    Map<String, Integer> topics = new HashMap<>();
    config.definitions().sources().forEach(source -> topics.put(source.topic(), config.topicPartitions()));
    topics.put(config.featuresTopic(), config.topicPartitions());
    topics.put(config.deadLetterTopic(), 1);
    KafkaTopics.ensure(config.kafka(), topics, config.replicationFactor());
    tracing = Tracing.start(config.tracing(), "feature-streams");
    streams = new KafkaStreams(FeatureTopology.build(config, tracing), streamsProperties(config));
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = new KafkaStreamsMetrics(streams);
    metrics.bindTo(registry);
    // The processors record their own meters (FeatureMetrics) in the global registry.
    Metrics.addRegistry(registry);
    this.registry = registry;
    streams.start();
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> {
      KafkaStreams.State state = streams.state();
      return new OpsServer.Health(state.isRunningOrRebalancing() || state == KafkaStreams.State.CREATED, state.name());
    });
    LOG.info("feature-streams: {} features (definitions v{}) from {} -> {} (dead letters: {}, ops port {})",
        config.definitions().features().count(), config.definitions().version(),
        config.definitions().sources().stream().map(s -> s.topic()).toList(), config.featuresTopic(), config.deadLetterTopic(), ops.port());
  }

  /** The Kafka Streams settings the service runs with (public for benchmarks of the same shape). */
  public static Properties streamsProperties(FeatureStreamsConfig config) {
    Properties p = config.kafka().properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Under EOS a record is visible downstream only when its transaction commits, and the
    // repartition hop means two commits on the way: the commit interval dominates freshness.
    // The record cache only coalesces store writes: the aggregator publishes every tick itself.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(config.commitInterval().toMillis()));
    // A commit can only happen between polls: an idle thread blocked in poll (100 ms by default)
    // would hold the last records' transaction open that long.
    p.put(StreamsConfig.POLL_MS_CONFIG, Long.toString(Math.max(1, config.commitInterval().toMillis() / 5)));
    // A tracker task reads a partition of every source's topic. The sources are independent tables
    // (markers are merged per source), so there is no order across them to wait for; and when one
    // topic is idle the default (0) costs a formatted log message per record processed.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(config.cacheMaxBytes()));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(config.replicationFactor()));
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // A read_committed fetch is not woken when a transaction marker moves the stable offset: it
    // waits out fetch.max.wait.ms (500 ms by default) before returning the newly committed records.
    p.put(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), "20");
    // A record the topology cannot deserialize or process (a poison record on an internal topic, a
    // bug hit by one row) goes to the dead-letter topic with the exception in its headers
    // (__streams.errors.*), and the thread goes on instead of failing and being replaced forever.
    // The transaction then commits without that record's changes: the processors write their
    // stores only after everything that can fail (RowTracker, FeatureAggregator).
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.deadLetterTopic());
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class.getName());
    p.putAll(config.streamsOverrides());
    return p;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    metrics.close();
    Metrics.removeRegistry(registry);
    ops.close();
    tracing.close();
  }

  /** The ops listener's port ({@code /health}, {@code /metrics}). */
  public int opsPort() {
    return ops.port();
  }

  public static FeatureStreamsService start(FeatureStreamsConfig config) {
    return new FeatureStreamsService(config);
  }

  public static void main(String[] args) {
    ServiceMain.run("feature-streams", () -> start(FeatureStreamsConfig.from(Settings.fromArgs(args))));
  }
}
