package dev.freshet.common;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where a service's Kafka clients connect and how they prove who they are: the bootstrap
 * servers, and for a secured cluster TLS (the cluster's CA as a PEM file) and SASL credentials.
 * Every client a service makes — producer, consumer, admin, Streams, Debezium's offset store —
 * takes {@link #clientProperties()}, so none connects differently from the others.
 *
 * @param securityProtocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
 * @param saslMechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; null without SASL
 * @param trustedCa PEM file of the CA that signed the brokers' certificates; null: the JVM's trust store
 */
public record KafkaConnection(String bootstrapServers, String securityProtocol, String saslMechanism, String username,
    String password, String trustedCa) {

  private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final Map<String, String> LOGIN_MODULES = Map.of(
      "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule",
      "SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule",
      "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule");

  /** A cluster without TLS or SASL (the local run, tests). */
  public static KafkaConnection plaintext(String bootstrapServers) {
    return new KafkaConnection(bootstrapServers, "PLAINTEXT", null, null, null, null);
  }

  /** From {@code kafka.bootstrap-servers} and the {@code kafka.security.*}, {@code kafka.sasl.*}, {@code kafka.ssl.*} keys. */
  public static KafkaConnection from(Settings s) {
    String protocol = s.string("kafka.security.protocol", "PLAINTEXT");
    if (!PROTOCOLS.contains(protocol)) {
      throw new Settings.ConfigException("kafka.security.protocol '" + protocol + "' is not one of " + PROTOCOLS);
    }
    boolean sasl = protocol.startsWith("SASL_");
    String mechanism = sasl ? s.string("kafka.sasl.mechanism", "SCRAM-SHA-512") : null;
    if (sasl && !LOGIN_MODULES.containsKey(mechanism)) {
      throw new Settings.ConfigException("kafka.sasl.mechanism '" + mechanism + "' is not one of " + LOGIN_MODULES.keySet());
    }
    String trusted = s.string("kafka.ssl.truststore", "");
    return new KafkaConnection(s.requireString("kafka.bootstrap-servers"), protocol, mechanism,
        sasl ? s.requireString("kafka.sasl.username") : null, sasl ? s.requireString("kafka.sasl.password") : null,
        trusted.isBlank() ? null : trusted);
  }

  /** The properties every Kafka client of the service starts from. */
  public Map<String, Object> clientProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrapServers);
    p.put("security.protocol", securityProtocol);
    if (saslMechanism != null) {
      p.put("sasl.mechanism", saslMechanism);
      p.put("sasl.jaas.config", LOGIN_MODULES.get(saslMechanism) + " required username=\"" + jaasEscaped(username)
          + "\" password=\"" + jaasEscaped(password) + "\";");
    }
    if (trustedCa != null) {
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", trustedCa);
    }
    return p;
  }

  /** {@link #clientProperties()} as {@link Properties}, for clients and libraries that take those. */
  public Properties properties() {
    Properties p = new Properties();
    p.putAll(clientProperties());
    return p;
  }

  private static String jaasEscaped(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** Never the password: this record is logged with the config. */
  @Override
  public String toString() {
    return "KafkaConnection[" + bootstrapServers + ", " + securityProtocol + (saslMechanism == null ? "" : ", " + saslMechanism
        + " as " + username) + (trustedCa == null ? "" : ", trusting " + trustedCa) + "]";
  }
}
