package dev.freshet.serving;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.serving.FeatureStoreReader.FeatureStoreUnavailableException;
import dev.freshet.serving.generator.Generator;
import dev.freshet.serving.generator.Profile;
import dev.freshet.serving.generator.PromptBuilder;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API. Routes are explicit and handlers plain: each reads its input, calls the store
 * and the generator, and answers JSON. Every error leaves as JSON with a 4xx/5xx status.
 */
public final class ServingApp {
  private static final Logger LOG = LoggerFactory.getLogger(ServingApp.class);

  private final ServingConfig config;
  private final FeatureStoreReader store;
  private final Generator generator;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier storeReachable;
  private final FreshnessGate freshness;
  private final Clock clock;
  private final Timer featuresTimer;
  private final Timer generateTimer;
  private final Timer batchTimer;

  public ServingApp(ServingConfig config, FeatureStoreReader store, Generator generator, PrometheusMeterRegistry registry,
      BooleanSupplier storeReachable, Clock clock) {
    this.config = config;
    this.store = store;
    this.generator = generator;
    this.registry = registry;
    this.storeReachable = storeReachable;
    this.freshness = new FreshnessGate(store, config.watermarkSource(), config.freshnessWait());
    this.clock = clock;
    this.featuresTimer = Timer.builder("freshet_serving_features_seconds").publishPercentiles(0.5, 0.99).register(registry);
    this.generateTimer = Timer.builder("freshet_serving_generate_seconds").publishPercentiles(0.5, 0.99).register(registry);
    this.batchTimer = Timer.builder("freshet_serving_batch_features_seconds").publishPercentiles(0.5, 0.99).register(registry);
  }

  /** Stops the freshness gate's poller; requests still waiting are cancelled. */
  public void close() {
    freshness.close();
  }

  public Javalin create() {
    return Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.jetty.host = config.httpHost();
      cfg.jetty.port = config.httpPort();
      cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
      cfg.routes.get("/v1/users/{userId}/features", this::getFeatures);
      cfg.routes.post("/v1/features", this::batchFeatures);
      cfg.routes.post("/v1/generate", this::generate);
      cfg.routes.get("/health", ctx -> ctx.json(Map.of("status", "UP")));
      cfg.routes.get("/ready", this::ready);
      cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(registry.scrape()));
      cfg.routes.exception(ApiError.Failure.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
      cfg.routes.exception(FeatureStoreUnavailableException.class, (e, ctx) -> ctx.status(503)
          .json(new ApiError("feature_store_unavailable", null, "the feature store did not answer; try again shortly")));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        ctx.status(500).json(new ApiError("internal_error", null, "the server failed to answer this request; it has been logged"));
      });
      cfg.routes.error(404, ctx -> {
        if (ctx.result() == null || ctx.result().isEmpty()) {
          ctx.json(new ApiError("not_found", null, "no route " + ctx.method() + " " + ctx.path()));
        }
      });
      cfg.routes.error(405, ctx -> ctx.json(new ApiError("method_not_allowed", null, ctx.method() + " is not allowed on " + ctx.path())));
    });
  }

  /**
   * Without {@code min_lsn} the store is read on the request thread; with it, the request waits
   * for the watermark without a thread ({@link FreshnessGate}) and answers from the read's callback.
   */
  private void getFeatures(Context ctx) {
    String userId = UserIds.validate(ctx.pathParam("userId"), "userId");
    Long minLsn = FreshnessGate.parse(ctx.queryParam("min_lsn"), "min_lsn");
    Timer.Sample sample = Timer.start(registry);
    if (minLsn == null) {
      try {
        ctx.json(featuresBody(userId, store.read(userId), null));
      } finally {
        sample.stop(featuresTimer);
      }
      return;
    }
    ctx.future(() -> freshness.await(minLsn)
        .thenCompose(watermark -> store.readAsync(userId).thenApply(v -> featuresBody(userId, v, watermark)))
        .thenAccept(ctx::json)
        .whenComplete((ok, error) -> sample.stop(featuresTimer)));
  }

  private Map<String, Object> featuresBody(String userId, Optional<FeatureVector> vector, Long watermark) {
    Map<String, Object> body = vectorBody(vector.orElseThrow(() -> notFound(userId)));
    if (watermark != null) {
      body.put("watermark_lsn", watermark);
    }
    return body;
  }

  /** Many users in one request, read concurrently; one deadline for all of them. */
  private void batchFeatures(Context ctx) throws InterruptedException {
    FeaturesRequest req = FeaturesRequest.parse(ctx.body(), config.batchMaxIds());
    Timer.Sample sample = Timer.start(registry);
    if (req.minLsn() == null) {
      try {
        ctx.json(batchBody(req.userIds(), readAll(req.userIds()).join(), null));
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      } finally {
        sample.stop(batchTimer);
      }
      return;
    }
    ctx.future(() -> freshness.await(req.minLsn())
        .thenCompose(watermark -> readAll(req.userIds()).thenApply(vs -> batchBody(req.userIds(), vs, watermark)))
        .thenAccept(ctx::json)
        .whenComplete((ok, error) -> sample.stop(batchTimer)));
  }

  /** All users' vectors, in order; fails with 503 if not all answered within twice the read deadline. */
  private CompletableFuture<List<Optional<FeatureVector>>> readAll(List<String> userIds) {
    List<CompletableFuture<Optional<FeatureVector>>> reads = userIds.stream().map(store::readAsync).toList();
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .orTimeout(config.featureReadTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
        .handle((ok, error) -> {
          if (error == null) {
            return reads.stream().map(CompletableFuture::join).toList();
          }
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof TimeoutException) {
            throw new FeatureStoreUnavailableException("no answer for all " + reads.size() + " users within the deadline", null);
          }
          throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        });
  }

  private Map<String, Object> batchBody(List<String> userIds, List<Optional<FeatureVector>> found, Long watermark) {
    List<Map<String, Object>> vectors = new ArrayList<>();
    List<String> notFound = new ArrayList<>();
    for (int i = 0; i < userIds.size(); i++) {
      if (found.get(i).isPresent()) {
        vectors.add(vectorBody(found.get(i).get()));
      } else {
        notFound.add(userIds.get(i));
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("vectors", vectors);
    body.put("not_found", notFound);
    if (watermark != null) {
      body.put("watermark_lsn", watermark);
    }
    return body;
  }

  private Map<String, Object> vectorBody(FeatureVector f) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("user_id", f.userId());
    body.put("features", f.features());
    body.put("event_time", f.eventTime());
    body.put("source_lsn", f.sourceLsn());
    body.put("source_commit_time", f.sourceCommitTime());
    body.put("version", f.version());
    body.put("computed_at", f.computedAt());
    body.put("definition_version", f.definitionVersion());
    body.put("age_ms", ageMs(f.computedAt()));
    body.put("event_age_ms", ageMs(f.eventTime()));
    return body;
  }

  private void generate(Context ctx) throws InterruptedException {
    Timer.Sample sample = Timer.start(registry);
    long started = System.nanoTime();
    try {
      GenerateRequest req = GenerateRequest.parse(ctx.body(), config);
      Profile profile;
      Optional<FeatureVector> features;
      String reason = null;
      try {
        if (req.minLsn() != null) {
          awaitFresh(req.minLsn()); // 412 if the store does not get there in time
        }
        features = store.read(req.userId());
        if (features.isEmpty()) {
          throw notFound(req.userId());
        }
        profile = Profile.fromFeatures(features.get().features());
      } catch (FeatureStoreUnavailableException e) {
        // Degrade, don't fail: answer without personalisation and say so.
        LOG.warn("generate for user {} without features: {}", req.userId(), e.getMessage());
        features = Optional.empty();
        profile = Profile.unpersonalized();
        reason = "feature store unavailable";
      }
      String prompt = PromptBuilder.build(profile, req.prompt());
      Generator.Generation g = generator.generate(prompt, req.maxTokens(), req.sampling());
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("user_id", req.userId());
      body.put("text", g.text());
      body.put("personalized", profile.personalized());
      if (reason != null) {
        body.put("reason", reason);
      }
      body.put("model", generator.modelId());
      body.put("sampling", Map.of("temperature", req.sampling().temperature(), "top_k", req.sampling().topK(),
          "seed", req.sampling().seed()));
      body.put("prompt", prompt);
      body.put("tokens", g.tokens());
      body.put("features_used", profile.used());
      body.put("features_not_understood", profile.notUnderstood());
      features.ifPresent(f -> body.put("features", Map.of(
          "source_lsn", f.sourceLsn(), "event_time", String.valueOf(f.eventTime()), "age_ms", ageMs(f.computedAt()))));
      body.put("latency_ms", (System.nanoTime() - started) / 1_000_000.0);
      ctx.json(body);
    } finally {
      sample.stop(generateTimer);
    }
  }

  /** Generation holds its request thread anyway, so it simply waits for the gate. */
  private void awaitFresh(long minLsn) throws InterruptedException {
    try {
      freshness.await(minLsn).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private void ready(Context ctx) {
    boolean store = storeReachable.getAsBoolean();
    ctx.status(store ? 200 : 503).json(Map.of("status", store ? "READY" : "DEGRADED", "feature_store", store ? "up" : "down",
        "model", generator.modelId()));
  }

  private Long ageMs(Instant t) {
    return t == null ? null : Duration.between(t, clock.instant()).toMillis();
  }

  private static ApiError.Failure notFound(String userId) {
    return new ApiError.Failure(404, "user_not_found", null, "no features for user " + userId);
  }
}
