package dev.freshet.ingest.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Brings the cluster's topics to what is declared: creates missing ones, grows partitions, sets the
 * declared configs; refuses, and reports, what Kafka cannot undo (fewer partitions, another
 * replication factor). Topics not declared, and configs not named, are left alone.
 */
public final class TopicReconciler {
  private final Admin admin;

  public TopicReconciler(Admin admin) {
    this.admin = admin;
  }

  /** What differs between {@code declared} and the cluster; empty when it holds. */
  public List<TopicChange> plan(DeclaredTopics declared) throws ExecutionException, InterruptedException {
    Set<String> existing = admin.listTopics().names().get();
    List<String> present = declared.topics().keySet().stream().filter(existing::contains).toList();
    Map<String, TopicDescription> described = present.isEmpty() ? Map.of() : admin.describeTopics(present).allTopicNames().get();
    Map<ConfigResource, Config> configs = present.isEmpty() ? Map.of()
        : admin.describeConfigs(present.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get();
    List<TopicChange> changes = new ArrayList<>();
    declared.topics().forEach((topic, want) -> {
      TopicDescription have = described.get(topic);
      if (have == null) {
        changes.add(new TopicChange.Create(topic, want));
        return;
      }
      int partitions = have.partitions().size();
      if (partitions < want.partitions()) {
        changes.add(new TopicChange.GrowPartitions(topic, partitions, want.partitions()));
      } else if (partitions > want.partitions()) {
        changes.add(TopicChange.Refused.shrink(topic, partitions, want.partitions()));
      }
      int replication = have.partitions().get(0).replicas().size();
      if (replication != want.replicationFactor()) {
        changes.add(TopicChange.Refused.replicationChange(topic, replication, want.replicationFactor()));
      }
      Config current = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic));
      Map<String, String> set = new LinkedHashMap<>();
      Map<String, String> was = new LinkedHashMap<>();
      want.config().forEach((key, value) -> {
        ConfigEntry entry = current.get(key);
        String now = entry == null ? null : entry.value();
        if (!Objects.equals(now, value)) {
          set.put(key, value);
          was.put(key, now);
        }
      });
      if (!set.isEmpty()) {
        changes.add(new TopicChange.AlterConfigs(topic, set, was));
      }
    });
    return changes;
  }

  /** Applies {@code changes} (as {@link #plan} made them), all but the refused ones. */
  public void apply(Collection<TopicChange> changes) throws ExecutionException, InterruptedException {
    for (TopicChange change : changes) {
      change.applyTo(admin);
    }
  }
}
