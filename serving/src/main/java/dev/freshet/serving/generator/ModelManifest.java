package dev.freshet.serving.generator;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a model directory says about itself in {@code manifest.properties}: which loader reads it
 * ({@code type}), its name and version (for responses and the generation log), its tokenizer file,
 * the generation defaults a request without those fields gets, and which profile values it was
 * trained to condition on ({@code profile.categories}, {@code profile.authors}) — anything else is
 * "not understood". Loaders read their own extra keys from {@link #properties()}.
 */
public record ModelManifest(
    Path dir,
    String type,
    String name,
    String version,
    String tokenizer,
    int defaultMaxTokens,
    double defaultTemperature,
    int defaultTopK,
    List<String> categories,
    List<String> authors,
    Properties properties) {

  public static final String FILE = "manifest.properties";

  public static ModelManifest read(Path dir) {
    Path file = dir.resolve(FILE);
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model manifest " + file, e);
    }
    return new ModelManifest(dir,
        required(p, file, "type"),
        p.getProperty("name", dir.getFileName() == null ? "model" : dir.getFileName().toString()).trim(),
        p.getProperty("version", p.getProperty("trained-at", "unversioned")).trim(),
        required(p, file, "tokenizer"),
        intProperty(p, file, "generation.max-tokens", 64),
        Double.parseDouble(p.getProperty("generation.temperature", "0").trim()),
        intProperty(p, file, "generation.top-k", 0),
        list(p.getProperty("profile.categories", "")),
        list(p.getProperty("profile.authors", "")),
        p);
  }

  /**
   * Writes {@code entries} sorted by key and without {@link Properties#store}'s date line, so the
   * same training run writes the same bytes. Values are plain (no line breaks or backslashes).
   */
  public static void write(Path dir, Map<String, String> entries, String comment) {
    StringBuilder sb = new StringBuilder("# ").append(comment).append('\n');
    new TreeMap<>(entries).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    try {
      Files.writeString(dir.resolve(FILE), sb.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write model manifest in " + dir, e);
    }
  }

  /** "name@version", as responses and the generation log name the model. */
  public String id() {
    return name + "@" + version;
  }

  public Path tokenizerFile() {
    return dir.resolve(tokenizer);
  }

  public int intProperty(String key) {
    Path file = dir.resolve(FILE);
    return Integer.parseInt(required(properties, file, key));
  }

  private static String required(Properties p, Path file, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException("model manifest " + file + " lacks '" + key + "'");
    }
    return v.trim();
  }

  private static int intProperty(Properties p, Path file, String key, int absent) {
    String v = p.getProperty(key);
    try {
      return v == null ? absent : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("model manifest " + file + ": '" + key + "' is not an integer: " + v);
    }
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
