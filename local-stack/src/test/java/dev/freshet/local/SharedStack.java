package dev.freshet.local;

import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import dev.freshet.embedded.OtlpCollector;
import dev.freshet.local.chaos.ServiceFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One set of real servers and one pipeline for all integration tests of this module run, started
 * by the first test class that asks for it and stopped when the test run ends.
 */
public final class SharedStack implements BeforeAllCallback {
  private static Running running;

  /** The servers, the services, and the demo database, shared by the ITs. */
  public record Running(LocalServers servers, Pipeline pipeline, DemoDatabase db, Path dataDir, OtlpCollector traces)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      pipeline.close();
      servers.close();
      traces.close();
      FreshetLocal.deleteRecursively(dataDir);
    }
  }

  public static Running get() {
    if (running == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedStack.class)");
    }
    return running;
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) throws Exception {
    if (running != null) {
      return;
    }
    Path dir = Files.createTempDirectory("freshet-it");
    LocalServers servers = LocalServers.start(dir, "shop");
    DemoDatabase db = new DemoDatabase(servers.postgres.dataSource());
    db.createSchema();
    // Every service traces every request and change to a stand-in collector (TracingIT reads it).
    OtlpCollector traces = OtlpCollector.start();
    Pipeline pipeline;
    try {
      // A loaded 2-core CI box can take more than the default 1 s to make a write visible. A
      // feature-streams instance that rejoins (ScaleOutIT) gets its tasks back at once: the
      // earlier tests leave more changelog records than the default recovery lag.
      pipeline = Pipeline.start(Pipeline.settingsFor(servers, dir, FreePorts.pick())
          .with(Map.of("features-api.freshness-wait", "5s", ServiceFleet.RECOVERY_LAG_KEY, ServiceFleet.RECOVERY_LAG,
              "tracing.enabled", "true", "tracing.otlp-endpoint", traces.endpoint(), "tracing.export-interval", "200ms")));
    } catch (RuntimeException e) {
      servers.close();
      traces.close();
      throw e;
    }
    running = new Running(servers, pipeline, db, dir, traces);
    // Registered in the root store: closed once, after the last test class of the run.
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(SharedStack.class, running);
  }
}
