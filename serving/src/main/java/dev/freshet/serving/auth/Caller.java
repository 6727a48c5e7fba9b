package dev.freshet.serving.auth;

import java.util.Map;
import java.util.Set;

/** Who a request comes from, once its key was verified. */
public record Caller(String keyId, Set<Scope> scopes, Map<String, Integer> limits) {
  /** The caller of a listener that runs without authentication (the local run's {@code --no-auth}). */
  public static final Caller ANONYMOUS = new Caller("anonymous", Set.of(Scope.values()), Map.of());

  static Caller of(ApiKey key) {
    return new Caller(key.id(), key.scopes(), key.limits());
  }
}
