package dev.freshet.ingest.topics;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The topics file Puppet writes: {@code {"topics": {"<name>": {"partitions": …, "replication_factor": …, "config": {…}}}}}. */
public record DeclaredTopics(@JsonProperty("topics") Map<String, DeclaredTopic> topics) {
  public DeclaredTopics {
    topics = topics == null ? Map.of() : new TreeMap<>(topics);
  }

  public static DeclaredTopics read(Path file) {
    try {
      return Json.MAPPER.readValue(Files.readString(file), DeclaredTopics.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("topics file " + file + " is not valid: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read topics file " + file, e);
    }
  }
}
