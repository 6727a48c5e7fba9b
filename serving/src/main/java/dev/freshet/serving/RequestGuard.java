package dev.freshet.serving;

import dev.freshet.serving.auth.ApiKeys;
import dev.freshet.serving.auth.Caller;
import dev.freshet.serving.limits.ClientLimits;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Objects;
import java.util.UUID;

/**
 * What runs before every handler of a listener: the request id, then — for a route that names an
 * {@link ApiRoute} — the caller's key (401), its scope (403) and its rate limit (429, with
 * {@code Retry-After} and the {@code RateLimit-*} headers on every limited answer).
 */
final class RequestGuard {
  private final ApiKeys keys;
  private final ClientLimits limits;
  private final RequestTrace trace;

  /** {@code keys} null: every caller is {@link Caller#ANONYMOUS}, unlimited (the local run's {@code --no-auth}). */
  RequestGuard(ApiKeys keys, ClientLimits limits, RequestTrace trace) {
    this.keys = keys;
    this.limits = limits;
    this.trace = trace;
  }

  void install(JavalinConfig cfg) {
    cfg.routes.before(ctx -> {
      trace.start(ctx);
      ctx.attribute(Attributes.REQUEST_ID, givenOrNewRequestId(ctx));
      ctx.header("X-Request-Id", ctx.<String>attribute(Attributes.REQUEST_ID));
    });
    cfg.routes.beforeMatched(ctx -> {
      if (ctx.endpoints().matchedHttpEndpoint() != null) {
        RequestTrace.route(ctx, ctx.endpoints().matchedHttpEndpoint().path);
      }
      trace.during(ctx, "auth", () -> {
        check(ctx);
        return null;
      });
    });
  }

  private void check(Context ctx) {
    ApiRoute route = ctx.routeRoles().stream().filter(ApiRoute.class::isInstance).map(ApiRoute.class::cast).findFirst().orElse(null);
    if (route == null) {
      return; // public: the API's description
    }
    if (keys == null) {
      ctx.attribute(Attributes.CALLER, Caller.ANONYMOUS);
      return; // the local run's --no-auth: no keys, so no per-key limits either
    }
    Caller caller;
    try {
      caller = keys.authenticate(ctx.header("Authorization"));
    } catch (ApiError.Failure e) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"freshet\"");
      throw e;
    }
    ctx.attribute(Attributes.CALLER, caller);
    RequestTrace.keyId(ctx, caller.keyId());
    if (!caller.scopes().contains(route.scope())) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"freshet\", error=\"insufficient_scope\", scope=\"" + route.scope().value() + "\"");
      throw new ApiError.Failure(403, new ApiError("insufficient_scope", null, "API key '" + caller.keyId() + "' lacks the scope '"
          + route.scope().value() + "' this route needs", route.scope().value()));
    }
    ClientLimits.Decision d = limits.tryAcquire(caller, route);
    ctx.header("RateLimit-Limit", Long.toString(d.limit()));
    ctx.header("RateLimit-Remaining", Long.toString(d.remaining()));
    ctx.header("RateLimit-Reset", Long.toString(d.resetSeconds()));
    if (!d.allowed()) {
      ctx.header("Retry-After", Long.toString(Math.max(1, d.retryAfterSeconds())));
      throw new ApiError.Failure(429, "rate_limited", null, "API key '" + caller.keyId() + "' is over its limit of " + d.limit()
          + " requests per second on this route (limits." + route.limitName() + ".per-second)");
    }
  }

  static Caller caller(Context ctx) {
    return Objects.requireNonNull(ctx.attribute(Attributes.CALLER), "no caller: the route names no ApiRoute");
  }

  /** The request's id, set before any handler runs. */
  static String requestId(Context ctx) {
    return Objects.requireNonNull(ctx.attribute(Attributes.REQUEST_ID), "no request id: RequestGuard is not installed");
  }

  private static String givenOrNewRequestId(Context ctx) {
    String given = ctx.header("X-Request-Id");
    return given != null && given.matches("[A-Za-z0-9._:-]{1,128}") ? given : UUID.randomUUID().toString();
  }
}
