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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five Freshet services, started in this JVM against the local servers with the same config
 * keys a deployment would put in their files (see README). Stopped upstream first (serving,
 * ingest-cdc, feature-streams), then the sinks, which drain what was published and commit it.
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final Settings settings;
  private final boolean authenticate;
  private IngestCdcService cdc;
  private FeatureStreamsService streams;
  private OnlineSinkService onlineSink;
  private OfflineSinkService offlineSink;
  private ServingService serving;

  private Pipeline(Settings settings, boolean authenticate) {
    this.settings = settings;
    this.authenticate = authenticate;
  }

  /** The settings every service gets: where the servers are and where local data goes; creates the local API key. */
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
    s.put("generator.models-root", dataDir.resolve("models").toString());
    s.put("http.port", Integer.toString(httpPort));
    s.put("admin.port", "0");
    s.put("ops.port", "0");
    s.put("auth.keys-file", LocalApiKey.create(dataDir).toString());
    return Settings.of(s).withEnv(System.getenv());
  }

  public static Pipeline start(Settings settings) {
    return start(settings, true);
  }

  /** {@code authenticate} false: serving answers without API keys (only {@code bin/freshet-local --no-auth}). */
  public static Pipeline start(Settings settings, boolean authenticate) {
    Pipeline p = new Pipeline(settings, authenticate);
    try {
      p.startCdc();
      p.streams = FeatureStreamsService.start(FeatureStreamsConfig.from(settings));
      p.onlineSink = OnlineSinkService.start(OnlineSinkConfig.from(settings));
      p.offlineSink = OfflineSinkService.start(OfflineSinkConfig.from(settings));
      ServingConfig serving = ServingConfig.from(settings);
      p.serving = authenticate ? ServingService.start(serving) : ServingService.startWithoutAuthentication(serving);
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

  /** Serving's admin listener (model reloads). */
  public String adminUrl() {
    return "http://127.0.0.1:" + serving.adminPort();
  }

  /** The local API key's token (every scope). */
  public String apiKey() {
    return LocalApiKey.token(Path.of(settings.requireString("auth.keys-file")));
  }

  /** A client of serving's API with the local key. */
  public HttpJson api() {
    return new HttpJson(servingUrl(), apiKey());
  }

  /** A client of serving's admin listener with the local key. */
  public HttpJson admin() {
    return new HttpJson(adminUrl(), apiKey());
  }

  public boolean authenticates() {
    return authenticate;
  }

  /** Each service's ops listener ({@code /health}, {@code /metrics}), by service name, in start order. */
  public Map<String, String> opsUrls() {
    Map<String, String> urls = new LinkedHashMap<>();
    urls.put("ingest-cdc", "http://127.0.0.1:" + cdc.opsPort());
    urls.put("feature-streams", "http://127.0.0.1:" + streams.opsPort());
    urls.put("online-sink", "http://127.0.0.1:" + onlineSink.opsPort());
    urls.put("offline-sink", "http://127.0.0.1:" + offlineSink.opsPort());
    urls.put("serving", "http://127.0.0.1:" + serving.opsPort());
    return urls;
  }

  public OfflineSinkService offlineSink() {
    return offlineSink;
  }

  public Settings settings() {
    return settings;
  }

  /** Upstream first, so that each stage has stopped feeding the next before that one drains. */
  @Override
  public void close() {
    stop("serving", serving);
    stop("ingest-cdc", cdc);
    stop("feature-streams", streams);
    stop("online-sink", onlineSink);
    stop("offline-sink", offlineSink);
  }

  private static void stop(String name, AutoCloseable service) {
    if (service == null) {
      return;
    }
    long started = System.nanoTime();
    try {
      service.close();
      LOG.info("stopped {} in {} ms", name, (System.nanoTime() - started) / 1_000_000);
    } catch (Exception e) {
      LOG.warn("error stopping {}", name, e);
    }
  }
}
