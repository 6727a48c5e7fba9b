package dev.freshet.local;

import dev.freshet.serving.ApiRoute;
import dev.freshet.serving.auth.ApiKey;
import dev.freshet.serving.auth.ApiKeyFile;
import dev.freshet.serving.auth.KeyHashes;
import dev.freshet.serving.auth.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The API key of a local run, a benchmark or a test stack: id {@value #ID}, every scope, and rates
 * no local workload reaches (the limits still run, so their cost is measured). The keys file holds
 * its hash as a deployment's would; the token itself is in {@code api-key} beside it (owner-only).
 */
public final class LocalApiKey {
  public static final String ID = "local";
  static final int UNREACHED_RATE = 1_000_000;

  private LocalApiKey() {}

  /** Writes {@code dir/api-keys.json} and {@code dir/api-key}; returns the keys file. */
  public static Path create(Path dir) {
    String token = KeyHashes.newToken(ID);
    Path keysFile = dir.resolve("api-keys.json");
    Map<String, Integer> limits = Arrays.stream(ApiRoute.values())
        .collect(Collectors.toMap(ApiRoute::limitName, r -> UNREACHED_RATE));
    ApiKeyFile.write(keysFile, List.of(new ApiKey(ID, KeyHashes.hash(token), Set.of(Scope.values()), null, limits)));
    try {
      Path tokenFile = tokenFile(keysFile);
      Files.deleteIfExists(tokenFile);
      Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tokenFile, token + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the local API key beside " + keysFile, e);
    }
    return keysFile;
  }

  /** The token of the key {@link #create} wrote beside {@code keysFile}. */
  public static String token(Path keysFile) {
    try {
      return Files.readString(tokenFile(keysFile)).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("no local API key beside " + keysFile, e);
    }
  }

  public static Path tokenFile(Path keysFile) {
    return keysFile.resolveSibling("api-key");
  }
}
