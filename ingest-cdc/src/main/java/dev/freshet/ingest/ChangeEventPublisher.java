package dev.freshet.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.freshness.Watermark;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import dev.freshet.common.Tracing;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes each Debezium batch to Kafka and marks a record processed only once Kafka has
 * acknowledged it, so a crash can repeat changes (downstream is idempotent) but never lose one.
 *
 * <p>A {@link WatermarkTicker} message coming back through the slot is not published as is: it
 * becomes a {@link Watermark} marker on every partition of every change topic, behind the changes
 * sent before it (one producer, so per-partition order holds).
 */
final class ChangeEventPublisher implements DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> {
  private final Producer<String, String> producer;
  private final String source;
  private final String messageTopic;
  private final List<String> changeTopics;
  private final Counter published;
  private final AtomicLong watermark = new AtomicLong(-1);
  private final Tracer tracer;

  /**
   * @param source the CDC source's name (Debezium's topic prefix), which names its watermark
   * @param changeTopics the topics that get watermark markers
   */
  ChangeEventPublisher(Producer<String, String> producer, String source, List<String> changeTopics, MeterRegistry registry,
      Tracing tracing) {
    this.producer = producer;
    this.tracer = tracing.tracer();
    this.source = source;
    this.messageTopic = source + ".message";
    this.changeTopics = List.copyOf(changeTopics);
    this.published = Counter.builder("freshet_cdc_events_published").description("change events acknowledged by Kafka").register(registry);
    registry.gauge("freshet_cdc_watermark_lsn", watermark);
  }

  @Override
  public void handleBatch(List<ChangeEvent<String, String>> batch, DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
      throws InterruptedException {
    List<List<Future<RecordMetadata>>> acks = new ArrayList<>(batch.size());
    int acknowledged = 0;
    for (ChangeEvent<String, String> event : batch) {
      if (messageTopic.equals(event.destination())) {
        // A marker vouches for every change before it: those must be in Kafka before it is sent.
        acknowledged = awaitAcks(batch, acks, acknowledged, committer);
        acks.add(sendMarkers(event));
      } else {
        acks.add(List.of(publish(event)));
      }
    }
    awaitAcks(batch, acks, acknowledged, committer);
    committer.markBatchFinished();
    published.increment(batch.size());
  }

  /**
   * Sends one change; traced, it is the root of its trace: a producer span whose
   * {@code traceparent} rides in the record's headers to feature-streams and the sinks.
   */
  private Future<RecordMetadata> publish(ChangeEvent<String, String> event) {
    Span span = tracer.spanBuilder("cdc publish").setSpanKind(SpanKind.PRODUCER).setNoParent()
        .setAttribute("messaging.destination.name", event.destination()).startSpan();
    ProducerRecord<String, String> record = new ProducerRecord<>(event.destination(), event.key(), event.value());
    Tracing.inject(span, record.headers());
    return producer.send(record, (metadata, error) -> {
      if (error != null) {
        span.recordException(error);
      }
      span.end();
    });
  }

  /** Waits for Kafka's acknowledgement of the records sent so far, marking each processed; returns how many are. */
  private int awaitAcks(List<ChangeEvent<String, String>> batch, List<List<Future<RecordMetadata>>> acks, int from,
      DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
    for (int i = from; i < acks.size(); i++) {
      try {
        for (Future<RecordMetadata> ack : acks.get(i)) {
          ack.get();
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException("Kafka refused a record for " + batch.get(i).destination(), e.getCause());
      }
      committer.markProcessed(batch.get(i));
    }
    return acks.size();
  }

  /** Our own watermark message (Debezium filters other prefixes out) → one marker per change topic partition. */
  private List<Future<RecordMetadata>> sendMarkers(ChangeEvent<String, String> event) {
    long lsn = Json.read(event.value(), JsonNode.class).path("source").path("lsn").asLong(-1);
    if (lsn < 0) {
      throw new IllegalStateException("watermark message without source.lsn: " + event.value());
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (String topic : changeTopics) {
      int partitions = producer.partitionsFor(topic).size();
      for (int p = 0; p < partitions; p++) {
        Watermark w = new Watermark(source, lsn, topic, p, partitions);
        sent.add(producer.send(new ProducerRecord<>(topic, p, source, Json.write(w), Watermark.markerHeaders())));
      }
    }
    watermark.set(lsn);
    return sent;
  }

  /** Deletes are followed by a tombstone so compacted change topics can drop the key. */
  @Override
  public boolean supportsTombstoneEvents() {
    return true;
  }
}
