package dev.freshet.serving;

import dev.freshet.serving.auth.Scope;
import io.javalin.security.RouteRole;

/**
 * Every authenticated route: the scope it requires and the name its rate limit is configured by
 * ({@code limits.<name>.per-second}, or a key's own {@code limits} in the keys file).
 */
public enum ApiRoute implements RouteRole {
  USER_FEATURES("user-features", Scope.FEATURES_READ, 1000),
  BATCH_FEATURES("batch-features", Scope.FEATURES_READ, 100),
  MODELS("models", Scope.FEATURES_READ, 10),
  GENERATE("generate", Scope.GENERATE, 50),
  ADMIN("admin", Scope.ADMIN, 10);

  private final String limitName;
  private final Scope scope;
  private final int defaultPerSecond;

  ApiRoute(String limitName, Scope scope, int defaultPerSecond) {
    this.limitName = limitName;
    this.scope = scope;
    this.defaultPerSecond = defaultPerSecond;
  }

  public String limitName() {
    return limitName;
  }

  public Scope scope() {
    return scope;
  }

  public int defaultPerSecond() {
    return defaultPerSecond;
  }
}
