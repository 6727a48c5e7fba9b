package dev.freshet.serving;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Futures;
import dev.freshet.common.Json;
import dev.freshet.common.OpsServer;
import dev.freshet.common.Tracing;
import dev.freshet.serving.api.BatchFeaturesResponse;
import dev.freshet.serving.api.GenerateResponse;
import dev.freshet.serving.api.ModelsResponse;
import dev.freshet.serving.api.OpenApiDocument;
import dev.freshet.serving.api.ReloadResponse;
import dev.freshet.serving.api.UserFeaturesResponse;
import dev.freshet.serving.auth.ApiKeys;
import dev.freshet.serving.auth.Caller;
import dev.freshet.serving.limits.ClientLimits;
import dev.freshet.serving.FeatureStoreReader.FeatureStoreUnavailableException;
import dev.freshet.common.GenerationRecord;
import dev.freshet.serving.generator.GenerationBatcher;
import dev.freshet.serving.generator.Generator;
import dev.freshet.serving.generator.ModelManifest;
import dev.freshet.serving.generator.ModelRegistry;
import dev.freshet.serving.generator.Profile;
import dev.freshet.serving.generator.PromptBuilder;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
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
  private final ModelRegistry models;
  private final GenerationLog generationLog;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier storeReachable;
  private final FreshnessGate freshness;
  private final Clock clock;
  private final Timer featuresTimer;
  private final Timer generateTimer;
  private final Timer batchTimer;
  private final RequestGuard guard;
  private final RequestTrace trace;
  private final OpenApiDocument openApi = OpenApiDocument.load();
  private final String docsPage = openApi.html();
  private final ClientLimits limits;

  /** {@code generationLog} null: generations are not logged; {@code keys} null: no authentication (local run only). */
  ServingApp(ServingConfig config, FeatureStoreReader store, ModelRegistry models, GenerationLog generationLog,
      PrometheusMeterRegistry registry, BooleanSupplier storeReachable, Clock clock, ApiKeys keys, Tracing tracing) {
    this.config = config;
    this.trace = new RequestTrace(tracing);
    this.limits = new ClientLimits(config.ratePerSecond(), config.generationsInFlightPerKey());
    this.guard = new RequestGuard(keys, limits, trace);
    this.store = store;
    this.models = models;
    this.generationLog = generationLog;
    this.registry = registry;
    this.storeReachable = storeReachable;
    this.freshness = new FreshnessGate(() -> store.watermark(config.watermarkSource()), config.freshnessWait());
    this.clock = clock;
    this.featuresTimer = Timer.builder("freshet_serving_features_seconds").publishPercentiles(0.5, 0.99).register(registry);
    this.generateTimer = Timer.builder("freshet_serving_generate_seconds").publishPercentiles(0.5, 0.99).register(registry);
    this.batchTimer = Timer.builder("freshet_serving_batch_features_seconds").publishPercentiles(0.5, 0.99).register(registry);
  }

  /** Stops the freshness gate's poller; requests still waiting are cancelled. */
  public void close() {
    freshness.close();
  }

  /** The API listener: features and generation, for applications; every route needs a key. {@code tls} null: plain HTTP. */
  Javalin create(PemTls tls) {
    return Javalin.create(cfg -> {
      common(cfg, "api", config.httpHost(), config.httpPort());
      if (tls != null) {
        cfg.jetty.addConnector((server, http) -> tls.connector(server, http, config.httpHost(), config.httpPort()));
      }
      cfg.routes.get("/v1/users/{userId}/features", this::getFeatures, ApiRoute.USER_FEATURES);
      cfg.routes.post("/v1/features", this::batchFeatures, ApiRoute.BATCH_FEATURES);
      cfg.routes.post("/v1/generate", this::generate, ApiRoute.GENERATE);
      cfg.routes.get("/v1/models", this::listModels, ApiRoute.MODELS);
      cfg.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi.json()));
      cfg.routes.get("/docs", ctx -> ctx.html(docsPage));
      cfg.routes.exception(GenerationBatcher.Overloaded.class, (e, ctx) -> ctx.status(429).header("Retry-After", "1")
          .json(new ApiError("overloaded", null, e.getMessage())));
      cfg.routes.exception(GenerationBatcher.DeadlineExceeded.class, (e, ctx) -> ctx.status(504)
          .json(new ApiError("deadline_exceeded", "timeout_ms", e.getMessage())));
      cfg.routes.exception(FeatureStoreUnavailableException.class, (e, ctx) -> ctx.status(503)
          .json(new ApiError("feature_store_unavailable", null, "the feature store did not answer; try again shortly")));
    });
  }

  /** The admin listener, loopback by default and for keys with the admin scope: operations that change what the service runs. */
  public Javalin createAdmin() {
    return Javalin.create(cfg -> {
      common(cfg, "admin", config.adminHost(), config.adminPort());
      cfg.routes.get("/admin/models", this::listModelsWithDirs, ApiRoute.ADMIN);
      cfg.routes.post("/admin/models/{name}/reload", this::reloadModel, ApiRoute.ADMIN);
    });
  }

  /** Whether the feature store answers (serving degrades without it): {@code /ready} on the ops listener. */
  public OpsServer.Health readiness() {
    boolean up = storeReachable.getAsBoolean();
    return new OpsServer.Health(up, "feature store " + (up ? "up" : "down") + "; default model "
        + models.current(models.defaultModel()).id());
  }

  private void common(JavalinConfig cfg, String listener, String host, int port) {
    cfg.startup.showJavalinBanner = false;
    cfg.jetty.host = host;
    cfg.jetty.port = port;
    cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
    JsonErrors.install(cfg, config.maxBodyBytes());
    guard.install(cfg);
    cfg.requestLogger.http((ctx, ms) -> {
      RequestTrace.end(ctx);
      AccessLog.log(listener, ctx, ms);
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
        ctx.json(featuresBody(userId, trace.during(ctx, "store read", () -> store.read(userId)), null));
      } finally {
        sample.stop(featuresTimer);
      }
      return;
    }
    ctx.future(() -> withinDeadline(trace.around(ctx, "freshness wait", () -> freshness.await(minLsn))
            .thenCompose(watermark -> trace.around(ctx, "store read", () -> store.readAsync(userId))
                .thenApply(v -> featuresBody(userId, v, watermark))),
            waitAndReadDeadline(), null, "waiting for the watermark and reading")
        .thenAccept(ctx::json)
        .whenComplete((ok, error) -> sample.stop(featuresTimer)));
  }

  private UserFeaturesResponse featuresBody(String userId, Optional<FeatureVector> vector, Long watermark) {
    return UserFeaturesResponse.of(vector.orElseThrow(() -> notFound(userId)), clock.instant(), watermark);
  }

  /** Many users in one request, read concurrently; one deadline for all of them. */
  private void batchFeatures(Context ctx) throws InterruptedException {
    JsonErrors.requireJsonBody(ctx);
    FeaturesRequest req = FeaturesRequest.parse(ctx.body(), config.batchMaxIds());
    Timer.Sample sample = Timer.start(registry);
    if (req.minLsn() == null) {
      try {
        ctx.json(batchBody(req.userIds(), trace.around(ctx, "store read", () -> readAll(req.userIds())).join(), null));
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      } finally {
        sample.stop(batchTimer);
      }
      return;
    }
    ctx.future(() -> withinDeadline(trace.around(ctx, "freshness wait", () -> freshness.await(req.minLsn()))
            .thenCompose(watermark -> trace.around(ctx, "store read", () -> readAll(req.userIds()))
                .thenApply(vs -> batchBody(req.userIds(), vs, watermark))),
            waitAndReadDeadline(), null, "waiting for the watermark and reading")
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
          Throwable cause = Futures.cause(error);
          if (cause instanceof TimeoutException) {
            throw new FeatureStoreUnavailableException("no answer for all " + reads.size() + " users within the deadline", null);
          }
          throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        });
  }

  private BatchFeaturesResponse batchBody(List<String> userIds, List<Optional<FeatureVector>> found, Long watermark) {
    List<UserFeaturesResponse> vectors = new ArrayList<>();
    List<String> notFound = new ArrayList<>();
    Instant now = clock.instant();
    for (int i = 0; i < userIds.size(); i++) {
      if (found.get(i).isPresent()) {
        vectors.add(UserFeaturesResponse.of(found.get(i).get(), now, null));
      } else {
        notFound.add(userIds.get(i));
      }
    }
    return new BatchFeaturesResponse(vectors, notFound, watermark);
  }

  /**
   * Reads the user's features (after the freshness gate when {@code min_lsn} is given), builds the
   * prompt and queues it for the model's batcher; the answer follows from the batch's completion,
   * so no request thread waits. Every answer is also published to the generation log.
   */
  private void generate(Context ctx) {
    long started = System.nanoTime();
    JsonErrors.requireJsonBody(ctx);
    GenerateRequest req = GenerateRequest.parse(ctx.body(), config, models);
    String requestId = RequestGuard.requestId(ctx);
    Caller caller = RequestGuard.caller(ctx);
    Semaphore inFlight = limits.generation(caller);
    if (inFlight == null) {
      ctx.header("Retry-After", "1");
      throw new ApiError.Failure(429, "too_many_in_flight", null, "API key '" + caller.keyId() + "' already has "
          + limits.generationsInFlight() + " generations in flight (limits.generate.in-flight-per-key)");
    }
    try {
      generate(ctx, req, requestId, caller, inFlight, started);
    } catch (RuntimeException e) {
      inFlight.release();
      throw e;
    }
  }

  private void generate(Context ctx, GenerateRequest req, String requestId, Caller caller, Semaphore inFlight, long started) {
    long deadline = started + req.timeout().toNanos();
    Timer.Sample sample = Timer.start(registry);
    ctx.future(() -> personalize(ctx, req, deadline)
        .thenCompose(p -> {
          long submitted = epochNanos();
          return models.submit(req.model(), new Generator.Request(p.prompt(), req.minTokens(), req.maxTokens(), req.sampling(), deadline))
              .thenApply(served -> {
                // The batcher reports how long the request waited; the rest until now was the model's run.
                trace.happened(ctx, "batch queue", submitted, served.queuedNanos());
                trace.happened(ctx, "model", submitted + served.queuedNanos(), Math.max(0, epochNanos() - submitted - served.queuedNanos()));
                return answer(ctx, requestId, caller, req, p, served, started);
              });
        })
        .thenAccept(ctx::json)
        .whenComplete((ok, error) -> {
          inFlight.release();
          sample.stop(generateTimer);
        }));
  }

  /**
   * The profile, the vector it came from and the prompt built from both (once: the model reads it
   * and the answer and the log show it); unpersonalised, with a reason, when the store is down.
   */
  private record Personalization(Profile profile, Optional<FeatureVector> vector, String reason, String prompt) {
    static Personalization of(Profile profile, Optional<FeatureVector> vector, String reason, GenerateRequest req) {
      return new Personalization(profile, vector, reason, PromptBuilder.build(profile, req.prompt()));
    }
  }

  private CompletableFuture<Personalization> personalize(Context ctx, GenerateRequest req, long deadlineNanos) {
    CompletableFuture<Optional<FeatureVector>> read = req.minLsn() == null
        ? trace.around(ctx, "store read", () -> store.readAsync(req.userId()))
        : trace.around(ctx, "freshness wait", () -> freshness.await(req.minLsn(), deadlineNanos))
            .thenCompose(watermark -> trace.around(ctx, "store read", () -> store.readAsync(req.userId())));
    return withinDeadline(read, deadlineNanos, "timeout_ms", "reading the user's features").handle((vector, error) -> {
      if (error == null) {
        FeatureVector v = vector.orElseThrow(() -> notFound(req.userId()));
        return Personalization.of(Profile.fromFeatures(v.features(), models.current(req.model())), vector, null, req);
      }
      Throwable cause = Futures.cause(error);
      if (cause instanceof FeatureStoreUnavailableException) {
        // Degrade, don't fail: answer without personalisation and say so.
        LOG.warn("generate for user {} without features: {}", req.userId(), cause.getMessage());
        return Personalization.of(Profile.unpersonalized(), Optional.empty(), "feature store unavailable", req);
      }
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    });
  }

  /**
   * A backstop for the feature routes, which have no {@code timeout_ms}: the gate's wait and the
   * reads are each bounded already; this bounds their sum, so no request can hang.
   */
  private long waitAndReadDeadline() {
    return System.nanoTime() + config.freshnessWait().toNanos() + 3 * config.featureReadTimeout().toNanos();
  }

  /** {@code f}, or 504 {@code deadline_exceeded} (naming {@code field}, if any) unless it completed by {@code deadlineNanos}. */
  private static <T> CompletableFuture<T> withinDeadline(CompletableFuture<T> f, long deadlineNanos, String field, String doing) {
    long leftNanos = Math.max(0, deadlineNanos - System.nanoTime());
    return f.orTimeout(leftNanos, TimeUnit.NANOSECONDS).exceptionally(error -> {
      Throwable cause = Futures.cause(error);
      if (cause instanceof TimeoutException) {
        throw new ApiError.Failure(504, "deadline_exceeded", field, "the request's deadline passed while " + doing);
      }
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    });
  }

  private GenerateResponse answer(Context ctx, String requestId, Caller caller, GenerateRequest req, Personalization p, GenerationBatcher.Served served,
      long started) {
    Generator.Generation g = served.generation();
    double latencyMs = (System.nanoTime() - started) / 1_000_000.0;
    Optional<FeatureVector> f = p.vector();
    String prompt = p.prompt();
    if (generationLog != null) {
      generationLog.publish(new GenerationRecord(requestId, req.userId(), clock.instant(), served.model().name(),
          served.model().version(), p.profile().personalized(), p.profile().used(), p.profile().notUnderstood(),
          f.map(FeatureVector::sourceLsn).orElse(null), f.map(FeatureVector::eventTime).orElse(null),
          f.map(FeatureVector::version).orElse(null), prompt, g.text(), g.tokens(), stopName(g.stop()),
          req.sampling().temperature(), req.sampling().topK(), req.sampling().seed(), latencyMs, caller.keyId(),
          RequestTrace.traceId(ctx)));
    }
    return new GenerateResponse(requestId, req.userId(), g.text(), p.profile().personalized(), p.reason(), served.model().id(),
        stopName(g.stop()), new GenerateResponse.SamplingUsed(req.sampling().temperature(), req.sampling().topK(), req.sampling().seed()),
        prompt, g.tokens(), p.profile().used(), p.profile().notUnderstood(),
        f.map(v -> new GenerateResponse.FeatureProvenance(v.sourceLsn(), v.eventTime(), UserFeaturesResponse.ageMs(v.computedAt(), clock.instant()))).orElse(null),
        served.batchSize(), served.queuedNanos() / 1_000_000.0, latencyMs);
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static String stopName(Generator.Stop stop) {
    return stop.name().toLowerCase(Locale.ROOT);
  }

  private void listModels(Context ctx) {
    ctx.json(new ModelsResponse(models.defaultModel(), null, models(m -> new ModelsResponse.Model(m.id(), m.type(), null))));
  }

  /** As {@code /v1/models}, with the directory each model was loaded from (admin only: it names server paths). */
  private void listModelsWithDirs(Context ctx) {
    ctx.json(new ModelsResponse(models.defaultModel(), config.modelsRoot() == null ? null : config.modelsRoot().toString(),
        models(m -> new ModelsResponse.Model(m.id(), m.type(), m.dir().toString()))));
  }

  private Map<String, ModelsResponse.Model> models(Function<ModelManifest, ModelsResponse.Model> describe) {
    Map<String, ModelsResponse.Model> loaded = new LinkedHashMap<>();
    for (String name : models.names()) {
      loaded.put(name, describe.apply(models.current(name)));
    }
    return loaded;
  }

  /**
   * Loads the model again (from {@code {"dir": …}}, relative to the models root, when given), swaps
   * it in, retires the old one. Answers name no server path and no loader message: those are logged.
   */
  private void reloadModel(Context ctx) {
    JsonErrors.requireJsonBody(ctx);
    String name = ctx.pathParam("name");
    if (!models.has(name)) {
      throw new ApiError.Failure(404, "model_not_found", "name", "no model named '" + name + "'; loaded: " + models.names());
    }
    String dir = ctx.body().isBlank() ? null : JsonBodies.textOrNumber(JsonBodies.object(ctx.body()).path("dir"));
    Path from = dir == null ? null : underModelsRoot(dir);
    String before = models.current(name).id();
    ModelManifest now;
    try {
      now = models.replace(name, from);
    } catch (RuntimeException e) {
      LOG.warn("reloading model '{}' from {} failed; it keeps serving {}", name, from == null ? "its directory" : from, before, e);
      throw new ApiError.Failure(422, "model_load_failed", dir == null ? null : "dir", "could not load model '" + name
          + "' from " + (dir == null ? "its directory" : "that directory") + " (the server log says why); it keeps serving " + before);
    }
    LOG.info("model '{}' reloaded: {} -> {}", name, before, now.id());
    ctx.json(new ReloadResponse(name, before, now.id()));
  }

  /** {@code dir} resolved against the models root; refused unless it is a directory inside it (links followed). */
  private Path underModelsRoot(String dir) {
    if (config.modelsRoot() == null) {
      throw ApiError.badField("dir", "loading a model from another directory is off: set generator.models-root on the server");
    }
    try {
      Path root = config.modelsRoot().toRealPath();
      Path resolved = root.resolve(dir).normalize().toRealPath();
      if (resolved.startsWith(root) && !resolved.equals(root) && Files.isDirectory(resolved)) {
        return resolved;
      }
    } catch (IOException | InvalidPathException e) {
      LOG.info("reload refused: '{}' does not resolve under the models root: {}", dir, e.toString());
    }
    throw ApiError.badField("dir", "dir must name an existing model directory under the models root (generator.models-root)");
  }

  private static ApiError.Failure notFound(String userId) {
    return new ApiError.Failure(404, "user_not_found", null, "no features for user " + userId);
  }
}
