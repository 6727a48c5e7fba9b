package dev.freshet.serving;

import dev.freshet.common.GenerationRecord;
import dev.freshet.common.Json;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.KafkaTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every generation to the generation log topic without ever holding up a request:
 * {@link #publish} only offers the record to a bounded buffer; one thread hands the buffer to the
 * Kafka producer (which may block on a slow or absent broker — on that thread only). When the
 * buffer is full the record is dropped and counted ({@code freshet_generation_log_dropped}): the
 * answer to the user matters more than its log entry, and the count says how much is missing.
 */
final class GenerationLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationLog.class);
  private static final GenerationRecord STOP = new GenerationRecord(null, null, null, null, null, false, null, null,
      null, null, null, null, null, 0, null, 0, 0, 0, 0, null, null);

  private final String topic;
  private final BlockingQueue<GenerationRecord> buffer;
  private final Counter published;
  private final Counter dropped;
  private final Counter failed;
  private final Thread sender;
  private final KafkaProducer<String, String> producer;
  private final KafkaConnection kafka;
  private volatile long lastDropWarning;
  private final int partitions;
  private final short replicationFactor;

  GenerationLog(KafkaConnection kafka, String topic, int partitions, short replicationFactor, int bufferCapacity, MeterRegistry metrics) {
    this.kafka = kafka;
    this.topic = topic;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
    this.buffer = new ArrayBlockingQueue<>(bufferCapacity);
    published = Counter.builder("freshet_generation_log_published").register(metrics);
    dropped = Counter.builder("freshet_generation_log_dropped").description("records dropped because the buffer was full")
        .register(metrics);
    failed = Counter.builder("freshet_generation_log_failed").description("records Kafka did not accept").register(metrics);
    Gauge.builder("freshet_generation_log_buffered", buffer, BlockingQueue::size).register(metrics);
    Properties p = kafka.properties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    sender = new Thread(this::send, "generation-log");
    sender.setDaemon(true);
    sender.start();
  }

  /** Never blocks: buffers the record or, when the buffer is full, drops and counts it. */
  void publish(GenerationRecord record) {
    if (!buffer.offer(record)) {
      dropped.increment();
      long now = System.nanoTime();
      if (now - lastDropWarning > TimeUnit.SECONDS.toNanos(10)) { // one line per 10 s, not one per request
        lastDropWarning = now;
        LOG.warn("generation log buffer full ({} records): dropping; is Kafka at {} reachable?", buffer.size(), kafka.bootstrapServers());
      }
    }
  }

  private void send() {
    ensureTopic();
    try {
      while (true) {
        GenerationRecord r = buffer.take();
        if (r == STOP) {
          return;
        }
        producer.send(new ProducerRecord<>(topic, r.requestId(), Json.write(r)), (meta, error) -> {
          if (error == null) {
            published.increment();
          } else {
            failed.increment();
            LOG.warn("generation {} not logged: {}", r.requestId(), error.toString());
          }
        });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("generation log sender stopped; generations are no longer logged", e);
    }
  }

  /** Creates the topic if missing (brokers may not auto-create); a failure is logged, sends still try. */
  private void ensureTopic() {
    try {
      KafkaTopics.ensure(kafka, Map.of(topic, partitions), replicationFactor);
    } catch (RuntimeException e) {
      LOG.warn("could not check or create topic {}: {}", topic, e.getMessage());
    }
  }

  /** Sends what is buffered (bounded by the producer's close timeout), then stops. */
  @Override
  public void close() {
    try {
      if (!buffer.offer(STOP, 5, TimeUnit.SECONDS)) {
        LOG.warn("generation log: {} records still buffered at shutdown are not logged", buffer.size());
        sender.interrupt();
      }
      sender.join(3_000); // a sender stuck on an unreachable broker is not waited for long
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
