package dev.freshet.ingest;

import java.util.Properties;

/** Translates {@link IngestCdcConfig} into the Debezium PostgreSQL connector's configuration. */
final class DebeziumProperties {
  private DebeziumProperties() {}

  static Properties of(IngestCdcConfig c) {
    Properties p = new Properties();
    p.setProperty("name", "freshet-cdc-" + c.slotName());
    p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    p.setProperty("plugin.name", "pgoutput");
    p.setProperty("database.hostname", c.sourceHost());
    p.setProperty("database.port", Integer.toString(c.sourcePort()));
    p.setProperty("database.user", c.sourceUser());
    p.setProperty("database.password", c.sourcePassword());
    p.setProperty("database.dbname", c.sourceDatabase());
    p.setProperty("database.sslmode", c.sourceSslMode());
    if (c.sourceSslRootCert() != null) {
      p.setProperty("database.sslrootcert", c.sourceSslRootCert());
    }
    p.setProperty("topic.prefix", c.topicPrefix());
    p.setProperty("table.include.list", c.tables());
    // Slot and publication are created only when missing, so starting again is safe.
    p.setProperty("slot.name", c.slotName());
    p.setProperty("publication.name", c.publicationName());
    p.setProperty("publication.autocreate.mode", "filtered");
    p.setProperty("snapshot.mode", "initial");
    // The poll interval bounds commit-to-Kafka latency: 10 ms gives ~20 ms, the 500 ms default ~0.5 s.
    p.setProperty("poll.interval.ms", Long.toString(c.pollInterval().toMillis()));
    // Heartbeats let the slot's confirmed LSN advance while the captured tables are idle.
    p.setProperty("heartbeat.interval.ms", Long.toString(c.heartbeatInterval().toMillis()));
    // Only our own logical decoding messages (WatermarkTicker) come through, as <prefix>.message events.
    p.setProperty("message.prefix.include.list", WatermarkTicker.PREFIX);
    // Exact decimal amounts as strings, instead of base64 bytes.
    p.setProperty("decimal.handling.mode", "string");
    p.setProperty("key.converter.schemas.enable", "false");
    p.setProperty("value.converter.schemas.enable", "false");
    // Offsets live in Kafka, beside the data, so any host can resume where the last one stopped.
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
    p.setProperty("offset.storage.topic", c.offsetsTopic());
    p.setProperty("offset.storage.partitions", "1");
    p.setProperty("offset.storage.replication.factor", "1");
    p.setProperty("offset.flush.interval.ms", "1000");
    // Connect's offset store builds its producer, consumer and admin client from these top-level keys.
    c.kafka().clientProperties().forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
    c.debeziumOverrides().forEach(p::setProperty);
    return p;
  }
}
