package dev.freshet.online;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.CqlConnection;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.common.Tracing;
import dev.freshet.common.Topics;
import java.time.Duration;

/**
 * Typed configuration of the online-sink service; keys are documented in the README.
 *
 * @param ttl how long a user's row lives after its last write (zero: forever)
 * @param maxInFlight writes pending at once before consumption waits
 * @param sessionTimeout how long a crashed instance's partitions wait before the group moves them
 */
public record OnlineSinkConfig(
    KafkaConnection kafka,
    String groupId,
    String featuresTopic,
    String deadLetterTopic,
    CqlConnection cql,
    String keyspace,
    int replicationFactor,
    String replicationDatacenters,
    Duration requestTimeout,
    Duration ttl,
    int maxInFlight,
    Duration sessionTimeout,
    String opsHost,
    int opsPort,
    Tracing.Config tracing) {

  public static OnlineSinkConfig from(Settings s) {
    return new OnlineSinkConfig(
        KafkaConnection.from(s),
        s.string("online-sink.group-id", "freshet-online-sink"),
        s.string("topics.features", Topics.USER_FEATURES),
        s.string("topics.dead-letters", Topics.DEAD_LETTERS),
        CqlConnection.from(s),
        s.string("cql.keyspace", FeatureStoreSchema.DEFAULT_KEYSPACE),
        s.integer("cql.replication-factor", 1),
        s.string("cql.replication-datacenters", ""),
        s.duration("cql.request-timeout", Duration.ofSeconds(2)),
        s.duration("online-sink.ttl", Duration.ZERO),
        s.integer("online-sink.max-in-flight", 256),
        s.duration("online-sink.session-timeout", ConsumerLoop.DEFAULT_SESSION_TIMEOUT),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 0),
        Tracing.Config.from(s));
  }
}
