package dev.freshet.ingest.topics;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;

/**
 * A topic as the deployment declares it (Hiera's {@code profile::kafka_topics::topics}): its
 * partitions, replication factor and the topic configs it must have. Configs it does not name
 * are left as the cluster has them.
 */
public record DeclaredTopic(
    @JsonProperty("partitions") int partitions,
    @JsonProperty("replication_factor") short replicationFactor,
    @JsonProperty("config") Map<String, String> config) {

  public DeclaredTopic {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replication_factor must be at least 1, not " + replicationFactor);
    }
    config = config == null ? Map.of() : new TreeMap<>(config);
  }
}
