package dev.freshet.offline;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one topic's records to its {@link KafkaFedTable}, one commit per interval. Positions are
 * taken from the table (not the consumer group), so a restart resumes exactly after the last commit.
 * Every row records where it was read ({@code kafka_partition}, {@code kafka_offset}: columns
 * each fed table has). A record that does not map to a valid row is counted and logged, not appended.
 */
final class TopicAppender implements ConsumerLoop.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAppender.class);

  /** The row for a record (its Kafka position is added here), or null for a record not meant for this table. */
  interface RowMapper {
    Record row(ConsumerRecord<String, String> record, GenericRecord template);
  }

  private final String topic;
  private final KafkaFedTable table;
  private final RowMapper mapper;
  private final Duration commitInterval;
  private final GenericRecord template;
  private final Counter appended;
  private final Counter skipped;
  private final Counter refused;
  // Touched only on the loop thread.
  private final List<Record> buffer = new ArrayList<>();
  private final List<Integer> bufferPartitions = new ArrayList<>();
  private final Map<Integer, Long> nextOffsets = new HashMap<>();
  private static final int MAX_LINKS = 128;
  private final Tracer tracer;
  private final boolean tracing;
  private final List<SpanContext> tracedRecords = new ArrayList<>();
  /** Per assigned partition, the offset this appender last saw committed (absent: none yet). */
  private final Map<Integer, Long> committedOffsets = new HashMap<>();
  private long lastCommit = System.nanoTime();

  TopicAppender(String topic, KafkaFedTable table, RowMapper mapper, Duration commitInterval, MeterRegistry metrics, Tracing tracing) {
    this.tracer = tracing.tracer();
    this.tracing = tracing.enabled();
    this.topic = topic;
    this.table = table;
    this.mapper = mapper;
    this.commitInterval = commitInterval;
    this.template = GenericRecord.create(table.table().schema());
    String name = table.table().name();
    appended = Counter.builder("freshet_offline_sink_rows_appended").tag("table", name).register(metrics);
    skipped = Counter.builder("freshet_offline_sink_unreadable_records").tag("table", name).register(metrics);
    refused = Counter.builder("freshet_offline_sink_rows_refused").description("rows of batches another writer had committed first")
        .tag("table", name).register(metrics);
  }

  @Override
  public void onAssigned(Consumer<String, String> consumer, Collection<TopicPartition> partitions) {
    seekToCommitted(consumer, partitions, table.committedOffsets());
  }

  private void seekToCommitted(Consumer<String, String> consumer, Collection<TopicPartition> partitions, Map<Integer, Long> committed) {
    for (TopicPartition tp : partitions) {
      Long next = committed.get(tp.partition());
      if (next != null) {
        consumer.seek(tp, next);
        committedOffsets.put(tp.partition(), next);
      } else {
        consumer.seekToBeginning(List.of(tp));
        committedOffsets.remove(tp.partition());
      }
    }
  }

  @Override
  public void onRevoked(Collection<TopicPartition> partitions) {
    // Uncommitted rows of revoked partitions are dropped here and re-read by their new owner.
    for (int i = buffer.size() - 1; i >= 0; i--) {
      if (partitions.contains(new TopicPartition(topic, bufferPartitions.get(i)))) {
        buffer.remove(i);
        bufferPartitions.remove(i);
      }
    }
    partitions.forEach(tp -> {
      nextOffsets.remove(tp.partition());
      committedOffsets.remove(tp.partition());
    });
  }

  @Override
  public void onPoll(Consumer<String, String> consumer, ConsumerRecords<String, String> records) {
    for (ConsumerRecord<String, String> r : records) {
      nextOffsets.put(r.partition(), r.offset() + 1);
      if (r.value() == null) {
        continue;
      }
      try {
        Record row = mapper.row(r, template);
        if (row != null) {
          row.setField("kafka_partition", r.partition());
          row.setField("kafka_offset", r.offset());
          requireFields(row);
          buffer.add(row);
          bufferPartitions.add(r.partition());
          traced(r);
        }
      } catch (RuntimeException e) {
        // The producer's own checks (dead letters upstream) see such records; a second copy here would add nothing.
        skipped.increment();
        LOG.warn("skipping unreadable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      }
    }
    if (System.nanoTime() - lastCommit >= commitInterval.toNanos()) {
      flush(consumer);
      lastCommit = System.nanoTime();
    }
  }

  /** A null in a required column would fail the whole Parquet file: refuse the record instead. */
  private static void requireFields(Record row) {
    for (Types.NestedField f : row.struct().fields()) {
      if (f.isRequired() && row.getField(f.name()) == null) {
        throw new IllegalArgumentException("missing " + f.name());
      }
    }
  }

  @Override
  public void onStop(Consumer<String, String> consumer) {
    flush(consumer);
  }

  /**
   * Appends the buffer. If another writer (an instance that still held these partitions, or one
   * that took them over) committed them meanwhile, the buffer is dropped and the partitions read
   * again from what it committed: nothing twice, nothing lost.
   */
  private void flush(Consumer<String, String> consumer) {
    if (buffer.isEmpty()) {
      return; // skipped records alone are not worth a snapshot: they are re-read and skipped again
    }
    Span span = appendSpan();
    try {
      table.append(buffer, committedOffsets, nextOffsets);
      committedOffsets.putAll(nextOffsets);
      appended.increment(buffer.size());
    } catch (KafkaFedTable.OffsetsMoved e) {
      span.setAttribute("freshet.refused", true);
      LOG.warn(e.getMessage());
      refused.increment(buffer.size());
      seekToCommitted(consumer, nextOffsets.keySet().stream().map(p -> new TopicPartition(topic, p)).toList(), e.committed());
    } finally {
      span.end();
    }
    buffer.clear();
    bufferPartitions.clear();
    nextOffsets.clear();
    tracedRecords.clear();
  }

  /** Remembers a traced record of the buffer (up to {@value #MAX_LINKS}) for the commit's span. */
  private void traced(ConsumerRecord<String, String> r) {
    if (tracing && tracedRecords.size() < MAX_LINKS) {
      SpanContext context = Tracing.spanContext(r.headers());
      if (context.isValid()) {
        tracedRecords.add(context);
      }
    }
  }

  /** One span per commit, linked to the traced records it appends: a commit merges many traces. */
  private Span appendSpan() {
    if (tracedRecords.isEmpty()) {
      return Span.getInvalid();
    }
    SpanBuilder builder = tracer.spanBuilder("offline-sink append").setNoParent().setAttribute("freshet.topic", topic)
        .setAttribute("freshet.rows", buffer.size());
    tracedRecords.forEach(builder::addLink);
    return builder.startSpan();
  }
}
