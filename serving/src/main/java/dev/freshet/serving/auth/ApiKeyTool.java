package dev.freshet.serving.auth;

import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.serving.ApiRoute;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code bin/api-key}: makes a key. Prints the token once (hand it to the client; it is stored
 * nowhere) and the key's entry — id, bcrypt hash, scopes, expiry, limits — for Hiera's
 * {@code profile::serving::api_keys}; with {@code --file}, also adds it to (or replaces it in) that
 * keys file, which a running serving re-reads.
 */
public final class ApiKeyTool {
  static final String USAGE = "bin/api-key --id ID --scopes features:read,generate,admin [--expires 2027-01-01T00:00:00Z] "
      + "[--limits generate=5,user-features=100] [--file api-keys.json]";

  private ApiKeyTool() {}

  public static void main(String[] args) {
    try {
      Settings o = Settings.fromCommandLine(args, USAGE, "id", "scopes", "expires", "limits", "file");
      String id = o.requireString("id");
      if (!id.matches(ApiKey.ID_PATTERN)) {
        throw new Settings.ConfigException("--id must match " + ApiKey.ID_PATTERN);
      }
      Set<Scope> scopes = new LinkedHashSet<>();
      for (String s : o.requireString("scopes").split(",")) {
        scopes.add(Scope.parse(s.trim()));
      }
      Instant expires = o.string("expires", "").isBlank() ? null : Instant.parse(o.string("expires", ""));
      String token = KeyHashes.newToken(id);
      ApiKey key = new ApiKey(id, KeyHashes.hash(token), scopes, expires, limits(o.string("limits", "")));
      String file = o.string("file", "");
      if (!file.isBlank()) {
        ApiKeyFile.put(Path.of(file), key);
        System.err.println("key '" + id + "' written to " + file);
      }
      System.out.println("token (give it to the client; it is not stored anywhere): " + token);
      System.out.println("entry (keys file or Hiera profile::serving::api_keys): " + Json.write(key));
    } catch (Settings.ConfigException | IllegalArgumentException | DateTimeParseException | ApiKeyFile.InvalidKeysFile e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  private static Map<String, Integer> limits(String spec) {
    Map<String, Integer> limits = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.split("=", 2);
      if (parts.length != 2 || !parts[1].trim().matches("[1-9][0-9]*")) {
        throw new IllegalArgumentException("--limits: '" + entry + "' is not route=requests-per-second (routes: "
            + Arrays.stream(ApiRoute.values()).map(ApiRoute::limitName).toList() + ")");
      }
      limits.put(parts[0].trim(), Integer.parseInt(parts[1].trim()));
    }
    return limits;
  }
}
