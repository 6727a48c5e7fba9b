package dev.freshet.ingest.topics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;

/** One difference between a declared topic and the cluster, and what reconciling does about it. */
public sealed interface TopicChange {
  String topic();

  /** True for differences Kafka cannot undo (fewer partitions, another replication factor): refused. */
  default boolean refused() {
    return false;
  }

  /** Makes the change on the cluster; a refused change does nothing. */
  void applyTo(Admin admin) throws ExecutionException, InterruptedException;

  record Create(String topic, DeclaredTopic declared) implements TopicChange {
    @Override
    public void applyTo(Admin admin) throws ExecutionException, InterruptedException {
      admin.createTopics(List.of(new NewTopic(topic, declared.partitions(), declared.replicationFactor()).configs(declared.config())))
          .all().get();
    }

    @Override
    public String toString() {
      return "create " + topic + " (" + declared.partitions() + " partitions, replication " + declared.replicationFactor()
          + ", config " + declared.config() + ")";
    }
  }

  record GrowPartitions(String topic, int from, int to) implements TopicChange {
    @Override
    public void applyTo(Admin admin) throws ExecutionException, InterruptedException {
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(to))).all().get();
    }

    @Override
    public String toString() {
      return "grow " + topic + " from " + from + " to " + to + " partitions";
    }
  }

  /** {@code values}: each config to set, with the value it has now (null: the broker's default). */
  record AlterConfigs(String topic, Map<String, String> values, Map<String, String> was) implements TopicChange {
    @Override
    public void applyTo(Admin admin) throws ExecutionException, InterruptedException {
      List<AlterConfigOp> ops = values.entrySet().stream()
          .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all().get();
    }

    @Override
    public String toString() {
      return "set " + topic + "'s " + values + " (was " + was + ")";
    }
  }

  /** A difference Kafka cannot undo: reported on every run, never applied. */
  record Refused(String topic, String reason) implements TopicChange {
    static Refused shrink(String topic, int actual, int declared) {
      return new Refused(topic, topic + " has " + actual + " partitions and " + declared + " are declared; Kafka cannot remove"
          + " partitions (keys would move between them): declare " + actual + ", or recreate the topic by hand");
    }

    static Refused replicationChange(String topic, int actual, int declared) {
      return new Refused(topic, topic + " has replication factor " + actual + " and " + declared + " is declared; change it with"
          + " a partition reassignment (kafka-reassign-partitions.sh), then declare it");
    }

    @Override
    public boolean refused() {
      return true;
    }

    @Override
    public void applyTo(Admin admin) {}

    @Override
    public String toString() {
      return "REFUSED: " + reason;
    }
  }
}
