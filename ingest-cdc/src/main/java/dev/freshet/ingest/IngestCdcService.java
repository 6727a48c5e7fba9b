package dev.freshet.ingest;

import dev.freshet.common.KafkaTopics;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Tracing;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams row changes of the source PostgreSQL tables into Kafka: Debezium's embedded engine
 * (pgoutput) reads the replication slot, one topic per table, keyed by primary key. A first start
 * snapshots the tables, later starts resume from the offsets kept in Kafka.
 */
public final class IngestCdcService implements AutoCloseable, ServiceMain.Failing {
  private static final Logger LOG = LoggerFactory.getLogger(IngestCdcService.class);

  private final KafkaProducer<String, String> producer;
  private final DebeziumEngine<ChangeEvent<String, String>> engine;
  private final ExecutorService runner;
  private final WatermarkTicker watermarks;
  private final OpsServer ops;
  private final Tracing tracing;
  private final CompletableFuture<String> failure = new CompletableFuture<>();

  private IngestCdcService(IngestCdcConfig config) {
    // Topics are created up front with the configured partitioning, not by broker auto-creation.
    Map<String, Integer> topics = new HashMap<>();
    config.changeTopics().forEach(t -> topics.put(t, config.topicPartitions()));
    KafkaTopics.ensure(config.kafka(), topics, config.replicationFactor());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    tracing = Tracing.start(config.tracing(), "ingest-cdc");
    Properties producerProps = config.kafka().properties();
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "freshet-ingest-cdc");
    producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
    engine = DebeziumEngine.create(Json.class)
        .using(DebeziumProperties.of(config))
        .notifying(new ChangeEventPublisher(producer, config.topicPrefix(), config.changeTopics(), registry, tracing))
        .using((success, message, error) -> {
          if (!success) {
            failure.complete(message);
            LOG.error("CDC engine stopped: {}", message, error);
          }
        })
        .build();
    runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "freshet-cdc-engine"));
    runner.execute(engine);
    watermarks = new WatermarkTicker(config);
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> failure.isDone()
        ? new OpsServer.Health(false, failure.getNow(null))
        : new OpsServer.Health(true, "streaming from slot " + config.slotName()));
    LOG.info("ingest-cdc: {}@{}:{}/{} tables {} -> Kafka {} (ops port {})", config.sourceUser(), config.sourceHost(),
        config.sourcePort(), config.sourceDatabase(), config.tables(), config.kafka(), ops.port());
  }

  public static IngestCdcService start(IngestCdcConfig config) {
    return new IngestCdcService(config);
  }

  /** Completes with the engine's failure message if it stops on its own (its main then exits 1). */
  @Override
  public CompletionStage<String> failure() {
    return failure;
  }

  public int opsPort() {
    return ops.port();
  }

  /** Stops the engine first (it commits its offsets), then flushes and closes the producer. */
  @Override
  public void close() {
    watermarks.close();
    try {
      engine.close();
    } catch (IOException e) {
      LOG.warn("error closing CDC engine", e);
    }
    runner.shutdown();
    try {
      if (!runner.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("CDC engine did not stop within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
    ops.close();
    tracing.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("ingest-cdc", () -> start(IngestCdcConfig.from(Settings.fromArgs(args))));
  }
}
