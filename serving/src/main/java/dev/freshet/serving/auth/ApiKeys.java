package dev.freshet.serving.auth;

import dev.freshet.common.Schedulers;
import dev.freshet.serving.ApiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies {@code Authorization: Bearer <token>} against the keys file, and re-reads the file
 * when it changes (rotation without a restart; a file that does not load is logged and the keys
 * already loaded stay). bcrypt is slow on purpose, so a token verified once is remembered — by its
 * SHA-256, never the token — for as long as its key's hash stays the same; expiry is checked on
 * every request.
 */
public final class ApiKeys implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
  private static final int MAX_REMEMBERED = 100_000;

  private final Path file;
  private final Clock clock;
  private final ScheduledExecutorService reloader;
  private final Counter reloadFailures;
  private static final String REFUSED = "refused:";
  /** One digest per thread: {@code MessageDigest.getInstance} takes a JDK-wide lock on every call. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });
  /** Token digest to the hash it was checked against, prefixed {@value #REFUSED} when it did not match. */
  private final Map<String, String> verified = new ConcurrentHashMap<>();
  private volatile Map<String, ApiKey> keys;
  private volatile Object loadedVersion;

  private ApiKeys(Path file, Duration reloadInterval, Clock clock, MeterRegistry registry) {
    this.file = file;
    this.clock = clock;
    this.keys = byId(ApiKeyFile.read(file));
    this.loadedVersion = version(file);
    this.reloadFailures = Counter.builder("freshet_serving_api_keys_reload_failures")
        .description("keys file changes that did not load (the keys loaded before stay)").register(registry);
    Gauge.builder("freshet_serving_api_keys", this, k -> k.keys.size()).description("API keys loaded").register(registry);
    this.reloader = Schedulers.daemon("api-keys-reload");
    long every = reloadInterval.toMillis();
    reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    LOG.info("{} API keys loaded from {} (checked for changes every {})", keys.size(), file, reloadInterval);
  }

  /** Loads {@code file} (refusing to start on a file that does not load) and watches it. */
  public static ApiKeys watch(Path file, Duration reloadInterval, Clock clock, MeterRegistry registry) {
    return new ApiKeys(file, reloadInterval, clock, registry);
  }

  /** The caller behind an {@code Authorization} header, or a 401 saying what is wrong with it. */
  public Caller authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw unauthorized("missing_api_key", "send an API key: Authorization: Bearer <key>");
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw unauthorized("invalid_api_key", "the Authorization header must be 'Bearer <key>'");
    }
    String token = authorization.substring(7).trim();
    String id = KeyHashes.keyId(token);
    ApiKey key = id == null ? null : keys.get(id);
    if (key == null || !verified(token, key)) {
      throw unauthorized("invalid_api_key", "the API key is not valid");
    }
    if (key.expired(clock.instant())) {
      throw unauthorized("expired_api_key", "API key '" + key.id() + "' expired at " + key.expires());
    }
    return Caller.of(key);
  }

  /**
   * Whether {@code token} matches {@code key}'s hash. The outcome is remembered per token and hash
   * (a wrong token too: retrying it costs no second bcrypt run), and computed once however many
   * requests bring the same new token at the same moment.
   */
  private boolean verified(String token, ApiKey key) {
    String digest = sha256(token);
    String outcome = verified.get(digest);
    if (outcome == null || !outcome.endsWith(key.hash())) {
      if (verified.size() >= MAX_REMEMBERED) {
        verified.clear();
      }
      outcome = verified.compute(digest, (d, known) -> known != null && known.endsWith(key.hash()) ? known
          : (KeyHashes.matches(token, key.hash()) ? "" : REFUSED) + key.hash());
    }
    return !outcome.startsWith(REFUSED);
  }

  private static ApiError.Failure unauthorized(String code, String message) {
    return new ApiError.Failure(401, code, null, message);
  }

  /** Re-reads the file if it was replaced or changed since the last load. */
  void reloadIfChanged() {
    Object version = version(file);
    if (Objects.equals(version, loadedVersion)) {
      return;
    }
    try {
      Map<String, ApiKey> loaded = byId(ApiKeyFile.read(file));
      keys = loaded;
      LOG.info("API keys reloaded from {}: {}", file, loaded.keySet());
    } catch (RuntimeException e) {
      reloadFailures.increment();
      LOG.error("API keys file changed but did not load; the {} keys loaded before stay: {}", keys.size(), e.getMessage());
    }
    loadedVersion = version;
  }

  /** What tells a changed file: its inode (Puppet replaces it), size and modification time. */
  private static Object version(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
    } catch (IOException e) {
      return "missing";
    }
  }

  private static Map<String, ApiKey> byId(List<ApiKey> keys) {
    return keys.stream().collect(Collectors.toUnmodifiableMap(ApiKey::id, Function.identity()));
  }

  private static String sha256(String token) {
    MessageDigest digest = SHA_256.get();
    return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
