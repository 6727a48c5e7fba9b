package dev.freshet.offline;

import dev.freshet.common.Schedulers;
import dev.freshet.common.Settings;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * {@code bin/forget-user}'s offline half: removes one user's rows from the feature log and the
 * generation log by Iceberg equality deletes ({@link KafkaFedTable#forget}), which leave the
 * user's later rows and the sink's Kafka offsets as they are. Safe beside a running offline-sink.
 * Reads the offline-sink's own configuration (file + env).
 */
public final class ForgetUser {
  private ForgetUser() {}

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args, "ForgetUser --user ID [--config FILE]", "user", "config");
    String user = options.requireString("user");
    String file = options.string("config", null);
    OfflineSinkConfig config = OfflineSinkConfig.from(Settings.load(file == null ? null : Path.of(file), System.getenv()));
    ExecutorService commitPool = Schedulers.daemon("freshet-forget-commit");
    try (JdbcCatalog catalog = OfflineSinkService.openCatalog(config)) {
      Namespace ns = Namespace.of(config.namespace());
      for (String name : new String[] {config.table(), config.generationTable()}) {
        TableIdentifier id = TableIdentifier.of(ns, name);
        if (!catalog.tableExists(id)) {
          System.out.println("offline table " + id + ": does not exist");
          continue;
        }
        new KafkaFedTable(catalog, id, null, t -> t, commitPool).forget("user_id", user);
        System.out.println("offline table " + id + ": rows of user " + user + " deleted (equality delete)");
      }
    } finally {
      commitPool.shutdown();
    }
  }
}
