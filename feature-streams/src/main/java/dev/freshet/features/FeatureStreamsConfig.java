package dev.freshet.features;

import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Typed configuration of the feature-streams service; keys are documented in the README. */
public record FeatureStreamsConfig(
    String applicationId,
    String kafkaBootstrapServers,
    String eventsTopic,
    String featuresTopic,
    String deadLetterTopic,
    int topicPartitions,
    short replicationFactor,
    Path stateDir,
    Duration commitInterval,
    String opsHost,
    int opsPort,
    Map<String, String> streamsOverrides) {

  public static FeatureStreamsConfig from(Settings s) {
    return new FeatureStreamsConfig(
        s.string("streams.application-id", "freshet-features"),
        s.requireString("kafka.bootstrap-servers"),
        s.string("topics.events", Topics.EVENTS_CHANGES),
        s.string("topics.features", Topics.USER_FEATURES),
        s.string("topics.dead-letters", Topics.DEAD_LETTERS),
        s.integer("topics.partitions", 2),
        (short) s.integer("topics.replication-factor", 1),
        Path.of(s.string("streams.state-dir", System.getProperty("java.io.tmpdir") + "/freshet-streams")),
        s.duration("streams.commit-interval", Duration.ofMillis(25)),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 0),
        s.withPrefix("streams.kafka"));
  }
}
