package dev.freshet.common.definitions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The feature definition file: the features of one entity (the user), per source table.
 * The shared contract between feature-streams (which computes them), the sinks and serving.
 *
 * @param version published with every vector, so stores and training sets can tell which
 *     definitions produced a value; raise it whenever a feature's meaning changes
 */
public record FeatureDefinitions(int version, String entity, List<SourceDefinition> sources) {
  /** Classpath location of the shipped demo definitions. */
  public static final String BUNDLED = "/dev/freshet/common/features.yaml";

  public static FeatureDefinitions parse(String yaml, String origin) {
    return new DefinitionLoader(origin).load(yaml);
  }

  public static FeatureDefinitions load(Path file) {
    try {
      return parse(Files.readString(file), file.getFileName().toString());
    } catch (IOException e) {
      throw new DefinitionException("cannot read feature definitions " + file + ": " + e.getMessage());
    }
  }

  public static FeatureDefinitions bundled() {
    return parse(bundledText(), "features.yaml (bundled)");
  }

  /** The text of the shipped demo definitions, for tools that send it on or derive definitions from it. */
  public static String bundledText() {
    try (InputStream in = FeatureDefinitions.class.getResourceAsStream(BUNDLED)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file named by a setting, or the bundled demo definitions when it is empty. */
  public static FeatureDefinitions loadOrBundled(String file) {
    return file == null || file.isBlank() ? bundled() : load(Path.of(file));
  }

  public Stream<FeatureDefinition> features() {
    return sources.stream().flatMap(s -> s.features().stream());
  }

  public SourceDefinition source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no source named " + name));
  }
}
