package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The feature topology, a pure function of its configuration:
 *
 * <pre>
 * events changes (key: event id) -> EventRowTracker [event-rows] -+-> dead letters
 *                                                                 +-> repartition by user id
 *   -> UserFeatureAggregator [user-activity] -> features (key: user id)
 * </pre>
 */
public final class FeatureTopology {
  static final String EVENT_ROWS_STORE = "event-rows";
  static final String USER_ACTIVITY_STORE = "user-activity";

  private FeatureTopology() {}

  public static Topology build(FeatureStreamsConfig config) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(EVENT_ROWS_STORE), Serdes.Long(), EventRow.SERDE));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(USER_ACTIVITY_STORE), Serdes.String(), UserActivity.SERDE));

    builder.stream(config.eventsTopic(), Consumed.with(Serdes.String(), Serdes.String()).withName("event-changes"))
        .process(EventRowTracker::new, Named.as("track-event-rows"), EVENT_ROWS_STORE)
        .split(Named.as("route-"))
        .branch((key, routed) -> routed.isDeadLetter(), Branched.withConsumer(dead -> dead
            .mapValues(Routed::deadLetter, Named.as("unwrap-dead-letter"))
            .to(config.deadLetterTopic(), Produced.with(Serdes.String(), DeadLetter.SERDE).withName("dead-letters")), "dead-letters"))
        .defaultBranch(Branched.withConsumer(deltas -> deltas
            .mapValues(Routed::delta, Named.as("unwrap-delta"))
            .repartition(Repartitioned.with(Serdes.String(), UserDelta.SERDE).withName("deltas-by-user"))
            .process(UserFeatureAggregator::new, Named.as("aggregate-user-features"), USER_ACTIVITY_STORE)
            .to(config.featuresTopic(), Produced.with(Serdes.String(), FeatureVector.SERDE).withName("features")), "deltas"));
    return builder.build();
  }
}
