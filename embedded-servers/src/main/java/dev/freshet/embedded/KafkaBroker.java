package dev.freshet.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.management.JMException;
import javax.management.ObjectName;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker + controller) running inside this JVM on loopback.
 * Replication factors are 1, and consumer-group rebalances start at once, as fits one node.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

  private final Properties config;
  private final int port;
  private volatile KafkaRaftServer server;

  private KafkaBroker(Properties config, int port) {
    this.config = config;
    this.port = port;
  }

  /** Formats {@code dir} (if not formatted yet) and starts the broker on free ports. */
  public static KafkaBroker start(Path dir, int defaultPartitions) {
    return start(dir, defaultPartitions, null, null, null);
  }

  /**
   * As {@link #start(Path, int)}, but clients must connect with TLS ({@code tls}'s certificate) and
   * SASL SCRAM-SHA-512 as {@code user}, as to a production cluster; {@link #bootstrapServers()} is
   * that listener. The broker talks to itself on a plaintext loopback listener.
   */
  public static KafkaBroker startSecured(Path dir, int defaultPartitions, TestCertificates tls, String user, String password) {
    return start(dir, defaultPartitions, tls, user, password);
  }

  private static KafkaBroker start(Path dir, int defaultPartitions, TestCertificates tls, String user, String password) {
    long started = System.nanoTime();
    int port = FreePorts.pick();
    int controllerPort = FreePorts.pick();
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("controller.listener.names", "CONTROLLER");
    if (tls == null) {
      p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    } else {
      int internalPort = FreePorts.pick();
      p.put("listeners", "INTERNAL://127.0.0.1:" + internalPort + ",SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "INTERNAL://127.0.0.1:" + internalPort + ",SASL_SSL://127.0.0.1:" + port);
      p.put("inter.broker.listener.name", "INTERNAL");
      p.put("listener.security.protocol.map", "INTERNAL:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
      p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
      p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      p.put("listener.name.sasl_ssl.ssl.keystore.type", "PEM");
      try {
        p.put("listener.name.sasl_ssl.ssl.keystore.certificate.chain", Files.readString(tls.chain()));
        p.put("listener.name.sasl_ssl.ssl.keystore.key", Files.readString(tls.key()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    p.put("log.dirs", dir.resolve("logs").toString());
    p.put("num.partitions", Integer.toString(defaultPartitions));
    p.put("auto.create.topics.enable", "true");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    try {
      Files.createDirectories(dir);
      Path propsFile = dir.resolve("server.properties");
      try (Writer w = Files.newBufferedWriter(propsFile)) {
        p.store(w, "freshet embedded broker");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<String> format = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(),
          "--ignore-formatted"));
      if (tls != null) { // the client's SCRAM credentials, in the cluster's metadata from the start
        format.addAll(List.of("--add-scram", "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]"));
      }
      int rc = StorageTool.execute(format.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));
      if (rc != 0) {
        throw new IllegalStateException("kafka storage format failed: " + out.toString(StandardCharsets.UTF_8));
      }
      KafkaBroker broker = new KafkaBroker(p, port);
      broker.launch();
      LOG.info("Kafka broker ready on 127.0.0.1:{} in {} ms", port, (System.nanoTime() - started) / 1_000_000);
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() {
    server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
    server.startup();
  }

  /** Shuts the broker down (controlled), leaves it down for {@code down}, and starts it again on its logs and ports. */
  public void restart(Duration down) throws InterruptedException {
    stop();
    Thread.sleep(down.toMillis());
    long started = System.nanoTime();
    launch();
    LOG.info("Kafka broker restarted on 127.0.0.1:{} in {} ms", port, (System.nanoTime() - started) / 1_000_000);
  }

  private void stop() {
    server.shutdown();
    server.awaitShutdown();
  }

  /**
   * Produce requests the broker refused for a partition so far (any error: e.g. the retriable
   * {@code OutOfOrderSequenceException} a transactions-v2 producer meets when a partition has no
   * state for it yet, KAFKA-18202), from the broker's own meter; -1 if it is not registered.
   */
  public long failedProduceRequests() {
    try {
      return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(
          new ObjectName("kafka.server:type=BrokerTopicMetrics,name=FailedProduceRequestsPerSec"), "Count");
    } catch (JMException e) {
      return -1;
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
    LOG.info("Kafka broker stopped");
  }
}
