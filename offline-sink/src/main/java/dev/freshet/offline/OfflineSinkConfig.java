package dev.freshet.offline;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.OfflineTables;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.common.Tracing;
import dev.freshet.common.Topics;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Typed configuration of the offline-sink service; keys are documented in the README.
 *
 * @param definitions the feature definitions ({@code features.definitions}, as feature-streams
 *     has them; the bundled ones when unset): the feature log gets a typed field per feature
 */
public record OfflineSinkConfig(
    KafkaConnection kafka,
    String groupId,
    String featuresTopic,
    String generationsTopic,
    Path warehouse,
    String catalogUri,
    String namespace,
    String table,
    String generationTable,
    Duration commitInterval,
    Duration sessionTimeout,
    FeatureDefinitions definitions,
    String opsHost,
    int opsPort,
    Tracing.Config tracing) {

  public static OfflineSinkConfig from(Settings s) {
    Path warehouse = Path.of(s.requireString("iceberg.warehouse")).toAbsolutePath();
    return new OfflineSinkConfig(
        KafkaConnection.from(s),
        s.string("offline-sink.group-id", "freshet-offline-sink"),
        s.string("topics.features", Topics.USER_FEATURES),
        s.string("topics.generations", Topics.GENERATIONS),
        warehouse,
        s.string("iceberg.catalog-uri", "jdbc:sqlite:" + warehouse.resolve("catalog.db")),
        s.string("iceberg.namespace", OfflineTables.NAMESPACE),
        s.string("iceberg.table", OfflineTables.FEATURE_LOG),
        s.string("iceberg.generation-table", OfflineTables.GENERATION_LOG),
        s.duration("offline-sink.commit-interval", Duration.ofSeconds(5)),
        s.duration("offline-sink.session-timeout", ConsumerLoop.DEFAULT_SESSION_TIMEOUT),
        FeatureDefinitions.loadOrBundled(s.string("features.definitions", "")),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 0),
        Tracing.Config.from(s));
  }
}
