package dev.freshet.online;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.OpsServer;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the features topic and upserts each user's vector into the CQL store. Offsets are
 * committed only after the batch's writes succeeded (at least once; the writes are idempotent).
 * A record that is not a feature vector goes to the dead-letter topic and the sink goes on.
 */
public final class OnlineSinkService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineSinkService.class);
  static final String STAGE = "online-sink";

  private final OnlineSinkConfig config;
  private final CqlSession session;
  private final FeatureStoreWriter writer;
  private final KafkaConsumer<String, String> consumer;
  private final KafkaProducer<String, String> deadLetters;
  private final Thread loop;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final OpsServer ops;
  private final Counter written;
  private final Counter deadLettered;
  private final Timer batchTimer;

  private OnlineSinkService(OnlineSinkConfig config) {
    this.config = config;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    written = Counter.builder("freshet_online_sink_vectors_written").register(registry);
    deadLettered = Counter.builder("freshet_online_sink_dead_letters").register(registry);
    batchTimer = Timer.builder("freshet_online_sink_batch").publishPercentiles(0.5, 0.99).register(registry);
    session = CqlSessions.open(config.cqlContactPoints(), config.cqlLocalDatacenter(), config.requestTimeout());
    writer = new FeatureStoreWriter(session, config.keyspace(), config.replicationFactor());

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Only vectors from committed Streams transactions.
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    deadLetters = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());

    loop = new Thread(this::run, "freshet-online-sink");
    loop.start();
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> failure.get() == null
        ? new OpsServer.Health(true, "writing to " + config.keyspace())
        : new OpsServer.Health(false, failure.get()));
    LOG.info("online-sink: {} -> CQL {} keyspace {} (ops port {})",
        config.featuresTopic(), config.cqlContactPoints(), config.keyspace(), ops.port());
  }

  public static OnlineSinkService start(OnlineSinkConfig config) {
    return new OnlineSinkService(config);
  }

  private void run() {
    try {
      consumer.subscribe(List.of(config.featuresTopic()));
      while (running.get()) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        long start = System.nanoTime();
        List<CompletableFuture<?>> writes = new ArrayList<>(records.count());
        for (ConsumerRecord<String, String> r : records) {
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
          writes.add(writer.write(vector).toCompletableFuture());
        }
        // Offsets move only after every write of the batch is acknowledged.
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        consumer.commitSync();
        written.increment(writes.size());
        batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
    } catch (WakeupException e) {
      // close() asked us to stop
    } catch (Exception e) {
      failure.set(e.toString());
      LOG.error("online-sink stopped: {}", e.toString(), e);
    } finally {
      consumer.close();
      stopped.countDown();
    }
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
    deadLetters.close();
    session.close();
    ops.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("online-sink", () -> start(OnlineSinkConfig.from(Settings.fromArgs(args))));
  }
}
