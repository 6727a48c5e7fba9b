package dev.freshet.features;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The topology's own meters, in Micrometer's global registry (the service adds its Prometheus
 * registry to it; in unit tests it records nothing).
 */
final class FeatureMetrics {
  private FeatureMetrics() {}

  static Counter deadLetters(String source, String reason) {
    return Counter.builder("freshet_features_dead_letters").description("change events sent to the dead-letter topic")
        .tag("source", source).tag("reason", reason).register(Metrics.globalRegistry);
  }

  /** Entities whose vector could not be computed (each one dead-lettered with the reason). */
  static Counter unpublishable() {
    return Counter.builder("freshet_features_unpublishable_entities")
        .description("entities whose vector could not be computed, dead-lettered with the reason").register(Metrics.globalRegistry);
  }

  static Counter vectors(String cause) {
    return Counter.builder("freshet_features_vectors_published").description("feature vectors published")
        .tag("cause", cause).register(Metrics.globalRegistry);
  }

  /** How long after a contribution left a window the expiry was processed: the decay staleness. */
  static Timer expiryDelay() {
    return Timer.builder("freshet_features_expiry_delay").description("time from a row leaving a window to the recomputation")
        .publishPercentiles(0.5, 0.99).maximumExpectedValue(Duration.ofSeconds(10)).register(Metrics.globalRegistry);
  }

  /** An aggregator task's due backlog and lag, shared by every processor instance the task ever has. */
  record Due(AtomicLong entities, AtomicLong lagMs) {}

  private static final Map<String, Due> DUE = new ConcurrentHashMap<>();

  /**
   * Entities due at the aggregator's last tick (changed ones and expiries), and how long the oldest
   * expiry had been due: a backlog that grows means the engine falls behind. One pair per task, so
   * a re-initialised task reports through the gauges registered first.
   */
  static Due due(String task) {
    return DUE.computeIfAbsent(task, t -> {
      Due d = new Due(new AtomicLong(), new AtomicLong());
      Gauge.builder("freshet_features_due_entities", d.entities(), AtomicLong::get)
          .description("entities due for publication at the last tick").tag("task", t).register(Metrics.globalRegistry);
      Gauge.builder("freshet_features_due_lag_ms", d.lagMs(), AtomicLong::get)
          .description("how long the oldest due expiry had waited at the last tick").tag("task", t).register(Metrics.globalRegistry);
      return d;
    });
  }
}
