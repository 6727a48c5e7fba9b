package dev.freshet.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaConnectionTest {
  @Test
  void plaintextByDefaultAndSaslSslWithItsLoginAndTrustFromTheKeys() {
    assertThat(KafkaConnection.from(Settings.of(Map.of("kafka.bootstrap-servers", "k:9092"))).clientProperties())
        .containsOnly(Map.entry("bootstrap.servers", "k:9092"), Map.entry("security.protocol", "PLAINTEXT"));
    KafkaConnection secured = KafkaConnection.from(Settings.of(Map.of("kafka.bootstrap-servers", "k:9093",
        "kafka.security.protocol", "SASL_SSL", "kafka.sasl.username", "svc", "kafka.sasl.password", "p\"w\\d",
        "kafka.ssl.truststore", "/etc/ca.pem")));
    assertThat(secured.clientProperties()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"p\\\"w\\\\d\";")
        .containsEntry("ssl.truststore.type", "PEM").containsEntry("ssl.truststore.location", "/etc/ca.pem");
    assertThat(secured.toString()).contains("SASL_SSL", "svc").doesNotContain("p\"w");
  }

  @Test
  void aWrongProtocolOrMechanismOrAMissingLoginIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> KafkaConnection.from(Settings.of(Map.of("kafka.bootstrap-servers", "k", "kafka.security.protocol", "TLS"))))
        .hasMessageContaining("kafka.security.protocol");
    assertThatThrownBy(() -> KafkaConnection.from(Settings.of(Map.of("kafka.bootstrap-servers", "k", "kafka.security.protocol", "SASL_SSL",
        "kafka.sasl.mechanism", "GSSAPI")))).hasMessageContaining("kafka.sasl.mechanism");
    assertThatThrownBy(() -> KafkaConnection.from(Settings.of(Map.of("kafka.bootstrap-servers", "k", "kafka.security.protocol", "SASL_SSL"))))
        .hasMessageContaining("kafka.sasl.username");
  }
}
