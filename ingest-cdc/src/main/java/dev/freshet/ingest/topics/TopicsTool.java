package dev.freshet.ingest.topics;

import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;

/**
 * Reconciles the cluster's topics with a declared topics file, for Puppet's
 * {@code profile::kafka_topics} (its {@code unless} runs {@code --mode check}, its command
 * {@code --mode apply}). Connects as the service whose config file it is given (bootstrap servers,
 * TLS, SASL). Exit codes: 0 the cluster holds what is declared (check) or now does (apply);
 * 1 changes are pending (check); 3 a declared change was refused (apply, after making the others);
 * 2 bad arguments or files.
 */
public final class TopicsTool {
  private static final String USAGE = "TopicsTool --config SERVICE.properties --topics topics.json --mode check|apply";

  private TopicsTool() {}

  public static void main(String[] args) throws InterruptedException {
    Settings options;
    DeclaredTopics declared;
    KafkaConnection kafka;
    String mode;
    try {
      options = Settings.fromCommandLine(args, USAGE, "config", "topics", "mode");
      mode = options.requireString("mode");
      if (!List.of("check", "apply").contains(mode)) {
        throw new Settings.ConfigException("--mode is check or apply, not '" + mode + "'; usage: " + USAGE);
      }
      kafka = KafkaConnection.from(Settings.load(Path.of(options.requireString("config")), Map.of()));
      declared = DeclaredTopics.read(Path.of(options.requireString("topics")));
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      TopicReconciler reconciler = new TopicReconciler(admin);
      List<TopicChange> changes = reconciler.plan(declared);
      changes.forEach(c -> System.out.println(c));
      if (mode.equals("check")) {
        System.exit(changes.isEmpty() ? 0 : 1);
      }
      reconciler.apply(changes);
      boolean refused = changes.stream().anyMatch(TopicChange::refused);
      System.exit(refused ? 3 : 0);
    } catch (ExecutionException e) {
      System.err.println("cannot reconcile topics on " + kafka.bootstrapServers() + ": " + e.getCause().getMessage());
      System.exit(1);
    }
  }
}
