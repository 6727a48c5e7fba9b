package dev.freshet.serving.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * One API key as the keys file holds it: never the secret, only its salted bcrypt hash.
 *
 * @param id shown in logs and the generation log; the token starts with it
 * @param hash bcrypt of the whole token ({@code $2y$…})
 * @param expires null: never
 * @param limits requests per second per route name, overriding the service's defaults for this key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKey(String id, String hash, Set<Scope> scopes, Instant expires, Map<String, Integer> limits) {
  /** Ids are part of the token ({@code <id>.<secret>}), so they cannot contain a dot. */
  public static final String ID_PATTERN = "[a-z0-9][a-z0-9_-]{0,63}";

  public ApiKey {
    scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    limits = limits == null ? Map.of() : Map.copyOf(limits);
  }

  public boolean expired(Instant now) {
    return expires != null && !now.isBefore(expires);
  }
}
