package dev.freshet.offline;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Schedulers;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends two topics to Iceberg: feature vectors to the feature log and served generations to the
 * generation log, each through its own consumer loop and {@link TopicAppender}, in one catalog.
 */
public final class OfflineSinkService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OfflineSinkService.class);

  private final JdbcCatalog catalog;
  private final ExecutorService commitPool = Schedulers.daemon("freshet-iceberg-commit");
  private final KafkaFedTable featureLog;
  private final KafkaFedTable generationLog;
  private final ConsumerLoop features;
  private final ConsumerLoop generations;
  private final OpsServer ops;

  private OfflineSinkService(OfflineSinkConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    catalog = openCatalog(config);
    Namespace ns = Namespace.of(config.namespace());
    if (!catalog.namespaceExists(ns)) {
      catalog.createNamespace(ns);
    }
    featureLog = new KafkaFedTable(catalog, TableIdentifier.of(ns, config.table()), FeatureLog.SCHEMA, FeatureLog.evolve(config.definitions()),
        commitPool);
    generationLog = new KafkaFedTable(catalog, TableIdentifier.of(ns, config.generationTable()), GenerationLog.SCHEMA, t -> t,
        commitPool);
    features = ConsumerLoop.start("freshet-offline-sink",
        ConsumerLoop.sinkConsumerProperties(config.kafkaBootstrapServers(), config.groupId(), config.sessionTimeout()), config.featuresTopic(),
        new TopicAppender(config.featuresTopic(), featureLog, FeatureLog::row, config.commitInterval(), registry));
    generations = ConsumerLoop.start("freshet-offline-sink-generations",
        ConsumerLoop.sinkConsumerProperties(config.kafkaBootstrapServers(), config.groupId() + "-generations", config.sessionTimeout()),
        config.generationsTopic(),
        new TopicAppender(config.generationsTopic(), generationLog, GenerationLog::row, config.commitInterval(), registry));
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> {
      OpsServer.Health f = features.health("appending to " + featureLog.table().name());
      return f.up() ? generations.health(f.detail() + " and " + generationLog.table().name()) : f;
    });
    LOG.info("offline-sink: {} -> {}, {} -> {}, warehouse {} (ops port {})", config.featuresTopic(), featureLog.table().name(),
        config.generationsTopic(), generationLog.table().name(), config.warehouse(), ops.port());
  }

  static JdbcCatalog openCatalog(OfflineSinkConfig config) {
    try {
      Files.createDirectories(config.warehouse());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create warehouse " + config.warehouse(), e);
    }
    JdbcCatalog catalog = new JdbcCatalog();
    catalog.setConf(new Configuration());
    catalog.initialize("freshet", Map.of(
        CatalogProperties.URI, config.catalogUri(),
        CatalogProperties.WAREHOUSE_LOCATION, config.warehouse().toUri().toString(),
        "jdbc.schema-version", "V1"));
    return catalog;
  }

  /** The ops listener's port ({@code /health}, {@code /metrics}). */
  public int opsPort() {
    return ops.port();
  }

  public static OfflineSinkService start(OfflineSinkConfig config) {
    return new OfflineSinkService(config);
  }

  public Table featureLog() {
    return featureLog.table();
  }

  public Table generationLog() {
    return generationLog.table();
  }

  /** What stopped a loop, or null while both run. */
  public String failure() {
    return features.failure() != null ? features.failure() : generations.failure();
  }

  /** Both loops drain and commit their last batch, then the catalog and the commit pool close. */
  @Override
  public void close() {
    features.close();
    generations.close();
    catalog.close();
    commitPool.shutdown();
    ops.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("offline-sink", () -> start(OfflineSinkConfig.from(Settings.fromArgs(args))));
  }
}
