package dev.freshet.serving;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.serving.generator.Generator;
import dev.freshet.serving.generator.GruGenerator;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the serving process: CQL session, generator model, HTTP server. */
public final class ServingService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);

  private final CqlSession session;
  private final Generator generator;
  private final Javalin http;

  private ServingService(ServingConfig config) {
    generator = config.modelDir() == null ? GruGenerator.loadBundled(config.scratchDir()) : GruGenerator.load(config.modelDir());
    session = CqlSessions.open(config.cqlContactPoints(), config.cqlLocalDatacenter(), config.featureReadTimeout());
    FeatureStoreReader reader = new FeatureStoreReader(session, config.keyspace());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ServingApp app = new ServingApp(config, reader, generator, registry,
        () -> session.getMetadata().getNodes().values().stream().anyMatch(n -> n.getState() == NodeState.UP), Clock.systemUTC());
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
    session.close();
    generator.close();
  }

  public static void main(String[] args) {
    ServiceMain.run("serving", () -> start(ServingConfig.from(Settings.fromArgs(args))));
  }
}
