package dev.freshet.serving;

import dev.freshet.serving.auth.ApiKey;
import dev.freshet.serving.auth.ApiKeyFile;
import dev.freshet.serving.auth.KeyHashes;
import dev.freshet.serving.auth.Scope;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/** API keys for tests, written to a keys file as a deployment's (hash only); each call returns the new key's token. */
final class TestKeys {
  private TestKeys() {}

  static String add(Path keysFile, String id, Set<Scope> scopes) {
    return add(keysFile, id, scopes, null, Map.of());
  }

  /** Adds (or replaces) key {@code id} in {@code keysFile}. */
  static String add(Path keysFile, String id, Set<Scope> scopes, Instant expires, Map<String, Integer> limits) {
    String token = KeyHashes.newToken(id);
    ApiKeyFile.put(keysFile, new ApiKey(id, KeyHashes.hash(token), scopes, expires, limits));
    return token;
  }

  static String all(Path keysFile) {
    return add(keysFile, "all", Set.of(Scope.values()));
  }
}
