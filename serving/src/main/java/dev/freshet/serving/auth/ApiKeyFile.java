package dev.freshet.serving.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import dev.freshet.serving.ApiRoute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys file: {@code {"keys": [{"id", "hash", "scopes", "expires"?, "limits"?}, …]}}, JSON,
 * written by Puppet from Hiera (or {@code bin/api-key}). A file that does not parse, or names a
 * key twice, is refused as a whole, naming the key: serving then keeps the keys it had.
 */
public final class ApiKeyFile {
  /** The file's shape. */
  public record Contents(List<ApiKey> keys) {
    public Contents {
      keys = keys == null ? List.of() : List.copyOf(keys);
    }
  }

  /** Why a keys file was refused. */
  public static final class InvalidKeysFile extends RuntimeException {
    InvalidKeysFile(Path file, String why) {
      super("keys file " + file + ": " + why);
    }
  }

  private ApiKeyFile() {}

  public static List<ApiKey> read(Path file) {
    Contents contents;
    try {
      contents = Json.MAPPER.readValue(Files.readString(file), Contents.class);
    } catch (JsonMappingException e) {
      throw new InvalidKeysFile(file, e.getOriginalMessage() + " at " + e.getPathReference());
    } catch (JsonProcessingException e) {
      throw new InvalidKeysFile(file, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidKeysFile(file, "cannot read it: " + e);
    }
    if (contents == null) {
      throw new InvalidKeysFile(file, "empty");
    }
    Set<String> ids = new HashSet<>();
    for (ApiKey key : contents.keys()) {
      String problem = problem(key);
      if (problem != null) {
        throw new InvalidKeysFile(file, "key '" + key.id() + "': " + problem);
      }
      if (!ids.add(key.id())) {
        throw new InvalidKeysFile(file, "key '" + key.id() + "' is listed twice");
      }
    }
    return contents.keys();
  }

  private static String problem(ApiKey key) {
    if (key.id() == null || !key.id().matches(ApiKey.ID_PATTERN)) {
      return "id must match " + ApiKey.ID_PATTERN;
    }
    if (key.hash() == null || !key.hash().matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
      return "hash is not a bcrypt hash (make one with bin/api-key)";
    }
    if (key.scopes().isEmpty()) {
      return "no scopes";
    }
    List<String> routes = Arrays.stream(ApiRoute.values()).map(ApiRoute::limitName).toList();
    for (Map.Entry<String, Integer> limit : key.limits().entrySet()) {
      if (!routes.contains(limit.getKey())) {
        return "limits name '" + limit.getKey() + "', which is no route (routes: " + routes + ")";
      }
      if (limit.getValue() == null || limit.getValue() <= 0) {
        return "limits." + limit.getKey() + " must be a positive number of requests per second";
      }
    }
    return null;
  }

  /** Writes {@code keys} to {@code file} atomically, readable by its owner only. */
  /** Adds {@code key} to {@code file} (made when missing), replacing a key with its id. */
  public static void put(Path file, ApiKey key) {
    List<ApiKey> keys = new ArrayList<>(Files.exists(file) ? read(file) : List.of());
    keys.removeIf(k -> k.id().equals(key.id()));
    keys.add(key);
    write(file, keys);
  }

  public static void write(Path file, List<ApiKey> keys) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".keys", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(new Contents(new ArrayList<>(keys))));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write keys file " + file, e);
    }
  }
}
