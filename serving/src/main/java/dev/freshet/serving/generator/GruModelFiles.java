package dev.freshet.serving.generator;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The layout of a GRU model directory: {@code manifest.properties} (sizes and how it was trained),
 * {@code vocab.txt} (one token per line, line number = id) and DJL's {@code <name>-0000.params}.
 */
record GruModelFiles(Path dir) {
  static final String NAME = "freshet-gru";

  Path manifest() {
    return dir.resolve("manifest.properties");
  }

  Path vocabulary() {
    return dir.resolve("vocab.txt");
  }

  Properties readManifest() {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(manifest())) {
      p.load(r);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model manifest " + manifest(), e);
    }
  }

  void writeManifest(Properties p) {
    try (Writer w = Files.newBufferedWriter(manifest())) {
      p.store(w, "written by TrainModel; do not edit");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int intProperty(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IllegalStateException("model manifest lacks '" + key + "'");
    }
    return Integer.parseInt(v.trim());
  }
}
