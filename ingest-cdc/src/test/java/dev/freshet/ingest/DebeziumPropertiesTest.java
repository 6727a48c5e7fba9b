package dev.freshet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.Settings;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DebeziumPropertiesTest {
  final Settings base = Settings.of(Map.of(
      "source.database", "shop",
      "kafka.bootstrap-servers", "127.0.0.1:9092",
      "cdc.poll-interval", "25ms",
      "debezium.snapshot.mode", "no_data"));

  @Test
  void translatesTheServiceConfigForThePostgresConnector() {
    IngestCdcConfig config = IngestCdcConfig.from(base);
    Properties p = DebeziumProperties.of(config);
    assertThat(p.getProperty("plugin.name")).isEqualTo("pgoutput");
    assertThat(p.getProperty("database.dbname")).isEqualTo("shop");
    assertThat(p.getProperty("poll.interval.ms")).isEqualTo("25");
    assertThat(p.getProperty("offset.storage")).endsWith("KafkaOffsetBackingStore");
    assertThat(p.getProperty("bootstrap.servers")).isEqualTo("127.0.0.1:9092");
    assertThat(p.getProperty("publication.autocreate.mode")).isEqualTo("filtered");
    // debezium.* settings pass through and win
    assertThat(p.getProperty("snapshot.mode")).isEqualTo("no_data");
  }

  @Test
  void namesOneChangeTopicPerCapturedTable() {
    IngestCdcConfig config = IngestCdcConfig.from(base.with(Map.of("cdc.tables", "public.users, public.events")));
    assertThat(config.changeTopics()).containsExactly("freshet.public.users", "freshet.public.events");
  }
}
