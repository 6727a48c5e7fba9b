package dev.freshet.offline;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.OfflineTables;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Tracing;
import dev.freshet.common.Schedulers;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.common.definitions.SourceDefinition;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Appends topics to Iceberg, each through its own consumer loop and {@link TopicAppender}, in one
 * catalog: feature vectors to the feature log, served generations to the generation log, and each
 * declared source's change events to its change history ({@link ChangeHistory}).
 */
public final class OfflineSinkService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OfflineSinkService.class);

  private final JdbcCatalog catalog;
  private final ExecutorService commitPool = Schedulers.daemon("freshet-iceberg-commit");
  private final List<Feed> feeds = new ArrayList<>();
  private final OpsServer ops;
  private final Tracing tracing;

  /** One topic appended to one table by one consumer loop. */
  private record Feed(String topic, KafkaFedTable table, ConsumerLoop loop) {}

  private OfflineSinkService(OfflineSinkConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    tracing = Tracing.start(config.tracing(), "offline-sink");
    catalog = openCatalog(config);
    Namespace ns = Namespace.of(config.namespace());
    if (!catalog.namespaceExists(ns)) {
      catalog.createNamespace(ns);
    }
    try {
      feed(config, registry, "", config.featuresTopic(),
          new KafkaFedTable(catalog, TableIdentifier.of(ns, config.table()), FeatureLog.SCHEMA, FeatureLog.evolve(config.definitions()),
              commitPool), FeatureLog::row);
      feed(config, registry, "-generations", config.generationsTopic(),
          new KafkaFedTable(catalog, TableIdentifier.of(ns, config.generationTable()), GenerationLog.SCHEMA, GenerationLog::evolve, commitPool),
          GenerationLog::row);
      for (SourceDefinition source : config.definitions().sources()) {
        feed(config, registry, "-changes-" + source.name(), source.topic(),
            new KafkaFedTable(catalog, TableIdentifier.of(ns, OfflineTables.changeHistory(source)), ChangeHistory.SCHEMA, ChangeHistory.layout(),
                commitPool), ChangeHistory::row);
      }
    } catch (RuntimeException e) {
      close(); // the loops already started must not outlive a failed start
      throw e;
    }
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> {
      for (Feed f : feeds) {
        OpsServer.Health h = f.loop().health(f.topic());
        if (!h.up()) {
          return h;
        }
      }
      return new OpsServer.Health(true, "appending " + feeds.stream().map(f -> f.topic() + " to " + f.table().table().name()).toList());
    });
    feeds.forEach(f -> LOG.info("offline-sink: {} -> {}", f.topic(), f.table().table().name()));
    LOG.info("offline-sink: warehouse {} (ops port {})", config.warehouse(), ops.port());
  }

  /** Starts a consumer loop (group id {@code offline-sink.group-id} + {@code groupSuffix}) appending {@code topic} to {@code table}. */
  private void feed(OfflineSinkConfig config, PrometheusMeterRegistry registry, String groupSuffix, String topic, KafkaFedTable table,
      TopicAppender.RowMapper rows) {
    ConsumerLoop loop = ConsumerLoop.start("freshet-offline-sink" + groupSuffix,
        ConsumerLoop.sinkConsumerProperties(config.kafka(), config.groupId() + groupSuffix, config.sessionTimeout()),
        topic, new TopicAppender(topic, table, rows, config.commitInterval(), registry, tracing));
    feeds.add(new Feed(topic, table, loop));
  }

  static JdbcCatalog openCatalog(OfflineSinkConfig config) {
    return openCatalog(config.catalogUri(), config.warehouse());
  }

  /** The JDBC catalog at {@code catalogUri}, its tables under {@code warehouse} (created if missing). */
  static JdbcCatalog openCatalog(String catalogUri, Path warehouse) {
    try {
      Files.createDirectories(warehouse);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create warehouse " + warehouse, e);
    }
    JdbcCatalog catalog = new JdbcCatalog();
    catalog.setConf(new Configuration());
    catalog.initialize("freshet", Map.of(
        CatalogProperties.URI, catalogUri,
        CatalogProperties.WAREHOUSE_LOCATION, warehouse.toUri().toString(),
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
    return feeds.get(0).table().table();
  }

  public Table generationLog() {
    return feeds.get(1).table().table();
  }

  /** The change history of a declared source. */
  public Table changeHistory(SourceDefinition source) {
    return feeds.stream().filter(f -> f.topic().equals(source.topic())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no change history for source " + source.name())).table().table();
  }

  /** What stopped a loop, or null while they all run. */
  public String failure() {
    return feeds.stream().map(f -> f.loop().failure()).filter(Objects::nonNull).findFirst().orElse(null);
  }

  /** Every loop drains and commits its last batch, then the catalog and the commit pool close. */
  @Override
  public void close() {
    feeds.forEach(f -> f.loop().close());
    catalog.close();
    commitPool.shutdown();
    if (ops != null) {
      ops.close();
    }
    tracing.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("offline-sink", () -> start(OfflineSinkConfig.from(Settings.fromArgs(args))));
  }
}
