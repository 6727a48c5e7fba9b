package dev.freshet.ingest;

import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.Tracing;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Typed configuration of the ingest-cdc service; keys are documented in the README.
 *
 * @param sourceSslMode libpq's sslmode for every connection to the source (replication and the
 *     watermark ticker): disable, allow, prefer, require, verify-ca, verify-full
 * @param sourceSslRootCert the PEM CA file verify-ca/verify-full check the server against; null: the driver's default
 */
public record IngestCdcConfig(
    String sourceHost,
    int sourcePort,
    String sourceDatabase,
    String sourceUser,
    String sourcePassword,
    String sourceSslMode,
    String sourceSslRootCert,
    String tables,
    String slotName,
    String publicationName,
    Duration pollInterval,
    Duration heartbeatInterval,
    Duration watermarkInterval,
    Duration watermarkIdleInterval,
    KafkaConnection kafka,
    String topicPrefix,
    String offsetsTopic,
    int topicPartitions,
    short replicationFactor,
    String opsHost,
    int opsPort,
    Map<String, String> debeziumOverrides,
    Tracing.Config tracing) {

  public static IngestCdcConfig from(Settings s) {
    return new IngestCdcConfig(
        s.string("source.host", "127.0.0.1"),
        s.integer("source.port", 5432),
        s.requireString("source.database"),
        s.string("source.user", "postgres"),
        s.string("source.password", ""),
        sslMode(s.string("source.sslmode", "prefer")),
        s.string("source.sslrootcert", "").isBlank() ? null : s.string("source.sslrootcert", ""),
        s.string("cdc.tables", "public.users,public.events"),
        s.string("cdc.slot", "freshet"),
        s.string("cdc.publication", "freshet"),
        s.duration("cdc.poll-interval", Duration.ofMillis(10)),
        s.duration("cdc.heartbeat-interval", Duration.ofSeconds(10)),
        s.duration("cdc.watermark-interval", Duration.ofMillis(20)),
        s.duration("cdc.watermark-idle-interval", Duration.ofSeconds(1)),
        KafkaConnection.from(s),
        s.string("cdc.topic-prefix", Topics.CHANGE_TOPIC_PREFIX),
        s.string("cdc.offsets-topic", Topics.CDC_OFFSETS),
        s.integer("topics.partitions", 2),
        (short) s.integer("topics.replication-factor", 1),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 0),
        s.withPrefix("debezium"),
        Tracing.Config.from(s));
  }

  private static final List<String> SSL_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  private static String sslMode(String mode) {
    if (!SSL_MODES.contains(mode)) {
      throw new Settings.ConfigException("source.sslmode '" + mode + "' is not one of " + SSL_MODES);
    }
    return mode;
  }

  /** Debezium names each table's topic {@code <prefix>.<schema>.<table>}. */
  public List<String> changeTopics() {
    return Arrays.stream(tables.split(",")).map(String::trim).filter(t -> !t.isEmpty()).map(t -> topicPrefix + "." + t).toList();
  }
}
