package dev.freshet.features;

import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.Tracing;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Typed configuration of the feature-streams service; keys are documented in the README.
 *
 * @param definitions the feature definition file ({@code features.definitions}; the bundled demo
 *     definitions when unset), loaded and validated at start
 * @param maxStaleness how long after a contribution leaves a window the vector may still show it
 * @param cachedEntities how many entities' aggregates the aggregator keeps in memory (per stream
 *     thread); others are rebuilt from their kept rows when they next change
 * @param cacheMaxBytes Kafka Streams' record cache for all state stores (coalesces a commit's
 *     writes of one key into one changelog record)
 */
public record FeatureStreamsConfig(
    String applicationId,
    KafkaConnection kafka,
    FeatureDefinitions definitions,
    String featuresTopic,
    String deadLetterTopic,
    int topicPartitions,
    short replicationFactor,
    Path stateDir,
    Duration commitInterval,
    Duration maxStaleness,
    int cachedEntities,
    long cacheMaxBytes,
    String opsHost,
    int opsPort,
    Map<String, String> streamsOverrides,
    Tracing.Config tracing) {

  public static FeatureStreamsConfig from(Settings s) {
    return new FeatureStreamsConfig(
        s.string("streams.application-id", "freshet-features"),
        KafkaConnection.from(s),
        FeatureDefinitions.loadOrBundled(s.string("features.definitions", "")),
        s.string("topics.features", Topics.USER_FEATURES),
        s.string("topics.dead-letters", Topics.DEAD_LETTERS),
        s.integer("topics.partitions", 2),
        (short) s.integer("topics.replication-factor", 1),
        Path.of(s.string("streams.state-dir", System.getProperty("java.io.tmpdir") + "/freshet-streams")),
        s.duration("streams.commit-interval", Duration.ofMillis(25)),
        s.duration("features.max-staleness", Duration.ofSeconds(1)),
        s.integer("features.cached-entities", 50_000),
        s.integer("streams.cache-max-bytes", 10 * 1024 * 1024),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 0),
        s.withPrefix("streams.kafka"),
        Tracing.Config.from(s));
  }

  /**
   * How often the aggregator publishes: once per commit interval (one vector per entity per
   * commit), and at least four times per staleness bound, leaving room for the commit and the sinks.
   */
  public Duration tick() {
    Duration quarter = maxStaleness.dividedBy(4);
    return commitInterval.compareTo(quarter) < 0 ? commitInterval : quarter;
  }
}
