package dev.freshet.local;

import dev.freshet.common.Settings;
import dev.freshet.embedded.LocalServers;
import dev.freshet.features.FeatureStreamsConfig;
import dev.freshet.features.FeatureStreamsService;
import dev.freshet.ingest.IngestCdcConfig;
import dev.freshet.ingest.IngestCdcService;
import dev.freshet.offline.OfflineSinkConfig;
import dev.freshet.offline.OfflineSinkService;
import dev.freshet.online.OnlineSinkConfig;
import dev.freshet.online.OnlineSinkService;
import dev.freshet.serving.ServingConfig;
import dev.freshet.serving.ServingService;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five Freshet services, started in this JVM against the local servers with the same config
 * keys a deployment would put in their files (see README). Stopped in reverse order.
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final Settings settings;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private IngestCdcService cdc;
  private OfflineSinkService offlineSink;
  private ServingService serving;

  private Pipeline(Settings settings) {
    this.settings = settings;
  }

  /** The settings every service gets: where the servers are and where local data goes. */
  public static Settings settingsFor(LocalServers servers, Path dataDir, int httpPort) {
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrap-servers", servers.kafka.bootstrapServers());
    s.put("source.host", servers.postgres.host());
    s.put("source.port", Integer.toString(servers.postgres.port()));
    s.put("source.database", servers.postgres.database());
    s.put("source.user", "postgres");
    s.put("cql.contact-points", servers.cql.host() + ":" + servers.cql.nativePort());
    s.put("cql.local-datacenter", servers.cql.localDatacenter());
    s.put("streams.state-dir", dataDir.resolve("streams").toString());
    s.put("iceberg.warehouse", dataDir.resolve("warehouse").toString());
    s.put("generator.scratch-dir", dataDir.resolve("model").toString());
    s.put("http.port", Integer.toString(httpPort));
    return Settings.of(s).withEnv(System.getenv());
  }

  public static Pipeline start(Settings settings) {
    Pipeline p = new Pipeline(settings);
    try {
      p.startCdc();
      p.started.push(FeatureStreamsService.start(FeatureStreamsConfig.from(settings)));
      p.started.push(OnlineSinkService.start(OnlineSinkConfig.from(settings)));
      p.offlineSink = OfflineSinkService.start(OfflineSinkConfig.from(settings));
      p.started.push(p.offlineSink);
      p.serving = ServingService.start(ServingConfig.from(settings));
      p.started.push(p.serving);
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private void startCdc() {
    cdc = IngestCdcService.start(IngestCdcConfig.from(settings));
  }

  /** Stops ingest-cdc and starts a new instance, which resumes from the offsets it stored in Kafka. */
  public void stopCdc() {
    cdc.close();
    cdc = null;
  }

  public void startCdcAgain() {
    startCdc();
  }

  public String servingUrl() {
    return "http://127.0.0.1:" + serving.port();
  }

  public OfflineSinkService offlineSink() {
    return offlineSink;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      closeQuietly(started.pop());
    }
    if (cdc != null) {
      closeQuietly(cdc);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("error stopping {}", c.getClass().getSimpleName(), e);
    }
  }
}
