package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Tracing;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.common.freshness.Watermark;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The feature topology, a pure function of its configuration and feature definitions:
 *
 * <pre>
 * per source: changes (key: primary key)
 *   -> RowTracker [rows-S, stream-time-S] -+-> dead letters
 *                                          +-> deltas, markers
 * all sources' deltas -> repartition by entity id (markers: to every partition)
 *   -> FeatureAggregator [window-rows, lifetime-rows, entity-state] -+-> vectors (key: entity id)
 *                                                                    +-> markers (every partition)
 *                                                                    +-> dead letters (unpublishable entities)
 * </pre>
 *
 * All features of all sources share the aggregator's state: one vector per entity. Vectors and
 * watermark markers share the features topic; markers carry the {@link Watermark#HEADER} header.
 */
public final class FeatureTopology {
  private FeatureTopology() {}

  public static Topology build(FeatureStreamsConfig config) {
    return build(config, Tracing.OFF);
  }

  /** As {@link #build(FeatureStreamsConfig)}; each published vector continues the trace of the changes behind it. */
  public static Topology build(FeatureStreamsConfig config, Tracing tracing) {
    FeatureDefinitions definitions = config.definitions();
    FeaturePlan plan = new FeaturePlan(definitions);
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Routed> deltas = null;
    for (SourceDefinition source : definitions.sources()) {
      addStore(builder, RowTracker.rowsStore(source), StateCodec.ROWS);
      addCachedStore(builder, RowTracker.streamTimeStore(source), Serdes.Long());
      Map<String, KStream<String, Routed>> routed = builder
          .stream(source.topic(), Consumed.with(Serdes.String(), Serdes.String()).withName(source.name() + "-changes"))
          .process(() -> new RowTracker(plan.source(source.name())), Named.as("track-" + source.name()),
              RowTracker.rowsStore(source), RowTracker.streamTimeStore(source))
          .split(Named.as(source.name() + "-"))
          .branch((key, r) -> r.isDeadLetter(), Branched.as("dead-letters"))
          .defaultBranch(Branched.as("deltas"));
      routed.get(source.name() + "-dead-letters")
          .mapValues(Routed::deadLetter, Named.as(source.name() + "-unwrap-dead-letter"))
          .to(config.deadLetterTopic(), Produced.with(Serdes.String(), DeadLetter.SERDE).withName(source.name() + "-to-dead-letter-topic"));
      KStream<String, Routed> sourceDeltas = routed.get(source.name() + "-deltas");
      deltas = deltas == null ? sourceDeltas : deltas.merge(sourceDeltas, Named.as("merge-" + source.name()));
    }
    addStore(builder, FeatureAggregator.WINDOW_ROWS_STORE, StateCodec.ROWS);
    addStore(builder, FeatureAggregator.LIFETIME_ROWS_STORE, StateCodec.ROWS);
    addCachedStore(builder, FeatureAggregator.ENTITY_STATE_STORE, StateCodec.ENTITY_STATES);
    // The partition count is explicit: the aggregator tells the sinks how many tasks send markers.
    Map<String, KStream<String, Published>> published = deltas
        .repartition(Repartitioned.with(Serdes.String(), StateCodec.ROUTED_RECORDS).withName("deltas-by-entity")
            .withNumberOfPartitions(config.topicPartitions())
            .withStreamPartitioner(new MarkersEverywhere<>(Routed::isWatermark)))
        .process(() -> new FeatureAggregator(plan, config.tick(), config.topicPartitions(), config.cachedEntities(), tracing),
            Named.as("aggregate-features"), FeatureAggregator.WINDOW_ROWS_STORE, FeatureAggregator.LIFETIME_ROWS_STORE,
            FeatureAggregator.ENTITY_STATE_STORE)
        .split(Named.as("published-"))
        .branch((key, p) -> p.isWatermark(), Branched.as("watermarks"))
        .branch((key, p) -> p.isDeadLetter(), Branched.as("dead-letters"))
        .defaultBranch(Branched.as("vectors"));
    published.get("published-dead-letters")
        .mapValues(Published::deadLetter, Named.as("unwrap-aggregator-dead-letter"))
        .to(config.deadLetterTopic(), Produced.with(Serdes.String(), DeadLetter.SERDE).withName("aggregator-to-dead-letter-topic"));
    published.get("published-vectors")
        .mapValues(Published::vector, Named.as("unwrap-vector"))
        .to(config.featuresTopic(), Produced.with(Serdes.String(), FeatureVector.SERDE).withName("features"));
    published.get("published-watermarks")
        .mapValues(Published::watermark, Named.as("unwrap-watermark"))
        .to(config.featuresTopic(), Produced.with(Serdes.String(), Watermark.SERDE).withName("features-watermarks")
            .withStreamPartitioner(new MarkersEverywhere<>(w -> true)));
    return builder.build();
  }

  /** A RocksDB store with a changelog topic (the default), so a moved or restarted task restores it. */
  private static <V> void addStore(StreamsBuilder builder, String name, Serde<V> valueSerde) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), valueSerde));
  }

  /**
   * The same behind Kafka Streams' record cache, for keys written many times per commit (an
   * entity's state, the index): one changelog record per key per commit. Row stores go without:
   * each row is written once, and an ordered cache would only add its cost.
   */
  private static <V> void addCachedStore(StreamsBuilder builder, String name, Serde<V> valueSerde) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), valueSerde)
        .withCachingEnabled());
  }
}
