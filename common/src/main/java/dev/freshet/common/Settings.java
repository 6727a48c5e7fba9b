package dev.freshet.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Flat key/value settings for one service: a properties file overlaid by environment variables.
 *
 * <p>Each key {@code a.b-c} can be overridden by the env variable {@code FRESHET_A_B_C}
 * (upper case, dots and dashes become underscores). Services turn these into one typed config
 * record each and fail fast, naming the key, when a value is missing or malformed.
 */
public final class Settings {
  public static final String ENV_PREFIX = "FRESHET_";

  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    Map<String, String> canonical = new HashMap<>();
    values.forEach((k, v) -> canonical.put(canonical(k), v));
    this.values = Map.copyOf(canonical);
  }

  /** Env names cannot tell a dot from a dash, so keys are stored and looked up with dashes as dots. */
  private static String canonical(String key) {
    return key.replace('-', '.');
  }

  public static Settings of(Map<String, String> values) {
    return new Settings(values);
  }

  /** Loads {@code file} (may be null: defaults only), then applies env overrides from {@code env}. */
  public static Settings load(Path file, Map<String, String> env) {
    Map<String, String> merged = new TreeMap<>();
    if (file != null) {
      Properties props = new Properties();
      try (Reader in = Files.newBufferedReader(file)) {
        props.load(in);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      props.stringPropertyNames().forEach(k -> merged.put(k, props.getProperty(k).trim()));
    }
    return new Settings(merged).withEnv(env);
  }

  /**
   * Loads the file named by {@code --config FILE} in {@code args} or by env {@code FRESHET_CONFIG},
   * then env overrides. Neither given: defaults and env only.
   */
  public static Settings fromArgs(String[] args) {
    Map<String, String> env = System.getenv();
    String file = env.get(ENV_PREFIX + "CONFIG");
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--config")) {
        file = args[i + 1];
      }
    }
    return load(file == null ? null : Path.of(file), env);
  }

  /**
   * Options of a command-line tool, {@code --name value} each; anything else, or a name not in
   * {@code names}, fails with the usage line.
   */
  public static Settings fromCommandLine(String[] args, String usage, String... names) {
    Map<String, String> values = new HashMap<>();
    java.util.List<String> allowed = java.util.List.of(names);
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !allowed.contains(name) || i + 1 >= args.length) {
        throw new ConfigException("unexpected argument '" + args[i] + "'; usage: " + usage);
      }
      values.put(name, args[i + 1]);
    }
    return new Settings(values);
  }

  /** Env overrides apply to any key, including keys the file does not mention. */
  public Settings withEnv(Map<String, String> env) {
    Map<String, String> merged = new HashMap<>(values);
    env.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && !name.equals(ENV_PREFIX + "CONFIG")) {
        merged.put(envToKey(name), value.trim());
      }
    });
    return new Settings(merged);
  }

  /** Returns a copy with {@code overrides} taking precedence (used by the local stack to wire ports). */
  public Settings with(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(overrides);
    return new Settings(merged);
  }

  static String envToKey(String envName) {
    return envName.substring(ENV_PREFIX.length()).toLowerCase().replace('_', '.');
  }

  public static String keyToEnv(String key) {
    return ENV_PREFIX + key.toUpperCase().replace('.', '_').replace('-', '_');
  }

  private String raw(String key) {
    return values.get(canonical(key));
  }

  public String string(String key, String defaultValue) {
    String v = raw(key);
    return v == null || v.isEmpty() ? defaultValue : v;
  }

  public String requireString(String key) {
    String v = raw(key);
    if (v == null || v.isEmpty()) {
      throw new ConfigException("missing setting '" + key + "' (file key " + key + " or env " + keyToEnv(key) + ")");
    }
    return v;
  }

  public int integer(String key, int defaultValue) {
    return parsed(key, defaultValue, Integer::parseInt, "an integer");
  }

  public double number(String key, double defaultValue) {
    return parsed(key, defaultValue, Double::parseDouble, "a number");
  }

  /** Durations are written as milliseconds ({@code 250}) or with a unit: {@code 250ms}, {@code 5s}, {@code 2m}. */
  public Duration duration(String key, Duration defaultValue) {
    return parsed(key, defaultValue, Settings::parseDuration, "a duration like 500ms, 5s or 2m");
  }

  private static Duration parseDuration(String v) {
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    if (v.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    return Duration.ofMillis(Long.parseLong(v));
  }

  /** The value of {@code key} read by {@code parser}, or the default when unset; a bad value names the key. */
  private <T> T parsed(String key, T defaultValue, java.util.function.Function<String, T> parser, String expected) {
    String v = raw(key);
    if (v == null || v.isEmpty()) {
      return defaultValue;
    }
    try {
      return parser.apply(v);
    } catch (NumberFormatException e) {
      throw new ConfigException("setting '" + key + "' must be " + expected + ", got '" + v + "'");
    }
  }

  /** All settings under {@code prefix.}, prefix removed: pass-through blocks such as {@code kafka.*}. */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new TreeMap<>();
    String p = canonical(prefix) + ".";
    values.forEach((k, v) -> {
      if (k.startsWith(p)) {
        out.put(k.substring(p.length()), v);
      }
    });
    return out;
  }

  /** Thrown for a missing or malformed setting; the message names the key. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
