package dev.freshet.ingest;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes each Debezium batch to Kafka and marks a record processed only once Kafka has
 * acknowledged it, so a crash can repeat changes (downstream is idempotent) but never lose one.
 */
final class ChangeEventPublisher implements DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> {
  private final Producer<String, String> producer;
  private final Counter published;

  ChangeEventPublisher(Producer<String, String> producer, MeterRegistry registry) {
    this.producer = producer;
    this.published = Counter.builder("freshet_cdc_events_published").description("change events acknowledged by Kafka").register(registry);
  }

  @Override
  public void handleBatch(List<ChangeEvent<String, String>> batch, DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer)
      throws InterruptedException {
    List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
    for (ChangeEvent<String, String> event : batch) {
      acks.add(producer.send(new ProducerRecord<>(event.destination(), event.key(), event.value())));
    }
    for (int i = 0; i < batch.size(); i++) {
      try {
        acks.get(i).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("Kafka refused a change event for " + batch.get(i).destination(), e.getCause());
      }
      committer.markProcessed(batch.get(i));
    }
    committer.markBatchFinished();
    published.increment(batch.size());
  }

  /** Deletes are followed by a tombstone so compacted change topics can drop the key. */
  @Override
  public boolean supportsTombstoneEvents() {
    return true;
  }
}
