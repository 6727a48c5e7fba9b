package dev.freshet.features;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Sends watermark markers to every partition of a topic (each downstream task must hear from
 * every upstream one) and everything else where Kafka Streams' default partitioner puts it.
 */
final class MarkersEverywhere<V> implements StreamPartitioner<String, V> {
  private final Predicate<V> isMarker;

  MarkersEverywhere(Predicate<V> isMarker) {
    this.isMarker = isMarker;
  }

  @Override
  public Optional<Set<Integer>> partitions(String topic, String key, V value, int numPartitions) {
    if (value == null || !isMarker.test(value)) {
      return Optional.empty(); // the default: by key
    }
    return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
  }
}
