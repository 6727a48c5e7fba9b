package dev.freshet.serving;

import dev.freshet.common.OpsServer;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Tracing;
import dev.freshet.common.Settings;
import dev.freshet.serving.auth.ApiKeys;
import dev.freshet.serving.generator.ModelRegistry;
import dev.freshet.serving.generator.GruGenerator;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the serving process: feature store reader (which connects, and reconnects, by itself),
 * generator model, HTTP server. Starts without the store: requests degrade until it answers.
 */
public final class ServingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);

  private final FeatureStoreReader store;
  private final ModelRegistry models;
  private final GenerationLog generationLog;
  private final Javalin http;
  private final Javalin admin;
  private final ServingApp app;
  private final ApiKeys keys;
  private final OpsServer ops;
  private final PemTls tls;
  private final Tracing tracing;

  private ServingService(ServingConfig config, boolean authenticate) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    keys = authenticate ? ApiKeys.watch(config.apiKeysFile(), config.apiKeysReload(), Clock.systemUTC(), registry) : null;
    List<ModelRegistry.Source> sources = new ArrayList<>();
    config.models().forEach((name, dir) -> sources.add(new ModelRegistry.Source(name, ServingConfig.BUNDLED.equals(dir)
        ? GruGenerator.unpackBundled(config.scratchDir().resolve(name)) : Path.of(dir))));
    models = new ModelRegistry(sources, config.defaultModel(), config.batching(), registry);
    generationLog = config.kafka() == null ? null : new GenerationLog(config.kafka(),
        config.generationLogTopic(), config.topicPartitions(), config.replicationFactor(), config.generationLogBuffer(), registry);
    store = new FeatureStoreReader(config.cql(), config.featureReadTimeout(),
        config.speculativeDelay(), config.keyspace(), Duration.ofSeconds(2));
    tracing = Tracing.start(config.tracing(), "serving");
    app = new ServingApp(config, store, models, generationLog, registry, store::reachable, Clock.systemUTC(), keys, tracing);
    tls = config.httpTlsCertificate() == null ? null : new PemTls(config.httpTlsCertificate(), config.httpTlsKey(), config.httpTlsReload());
    http = app.create(tls).start();
    admin = app.createAdmin().start();
    ops = OpsServer.start(config.opsHost(), config.opsPort(), registry, () -> new OpsServer.Health(true, "serving"), app::readiness);
    LOG.info("serving on {}://{}:{} (admin on http://{}:{}, ops on http://{}:{}) with models {} (default '{}'), generation log {}",
        tls == null ? "http" : "https", config.httpHost(), http.port(), config.adminHost(), admin.port(), config.opsHost(), ops.port(), models.names(),
        models.defaultModel(), generationLog == null ? "off" : "to " + config.generationLogTopic());
  }

  public static ServingService start(ServingConfig config) {
    return new ServingService(config, true);
  }

  /**
   * Serving with no API keys (and so no per-key limits): anyone who reaches the port reads every
   * user's features and runs the model. Only for {@code bin/freshet-local --no-auth} on a developer's machine; says so in the log.
   */
  public static ServingService startWithoutAuthentication(ServingConfig config) {
    LOG.warn("*** AUTHENTICATION IS OFF: every route answers without an API key, and no rate limits apply. For a local run only, never a deployment. ***");
    return new ServingService(config, false);
  }

  public int port() {
    return http.port();
  }

  public int adminPort() {
    return admin.port();
  }

  public int opsPort() {
    return ops.port();
  }

  @Override
  public void close() {
    models.close(); // refuses new generations (429, retry elsewhere) and answers the queued ones while HTTP still runs
    http.stop();
    admin.stop();
    ops.close();
    app.close();
    if (tls != null) {
      tls.close();
    }
    if (keys != null) {
      keys.close();
    }
    if (generationLog != null) {
      generationLog.close(); // after the models, so the last answers are logged
    }
    store.close();
    tracing.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("serving", () -> start(ServingConfig.from(Settings.fromArgs(args))));
  }
}
