package dev.freshet.serving;

import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.serving.generator.Generator;
import dev.freshet.serving.generator.GruGenerator;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the serving process: feature store reader (which connects, and reconnects, by itself),
 * generator model, HTTP server. Starts without the store: requests degrade until it answers.
 */
public final class ServingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);

  private final FeatureStoreReader store;
  private final Generator generator;
  private final Javalin http;
  private final ServingApp app;

  private ServingService(ServingConfig config) {
    generator = config.modelDir() == null ? GruGenerator.loadBundled(config.scratchDir()) : GruGenerator.load(config.modelDir());
    store = new FeatureStoreReader(config.cqlContactPoints(), config.cqlLocalDatacenter(), config.featureReadTimeout(),
        config.speculativeDelay(), config.keyspace(), Duration.ofSeconds(2));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    app = new ServingApp(config, store, generator, registry, store::reachable, Clock.systemUTC());
    http = app.create().start();
    LOG.info("serving on http://{}:{} with model {}", config.httpHost(), http.port(), generator.modelId());
  }

  public static ServingService start(ServingConfig config) {
    return new ServingService(config);
  }

  public int port() {
    return http.port();
  }

  @Override
  public void close() {
    http.stop();
    app.close();
    store.close();
    generator.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("serving", () -> start(ServingConfig.from(Settings.fromArgs(args))));
  }
}
