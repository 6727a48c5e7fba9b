package dev.freshet.online;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.Settings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code bin/forget-user}'s online half: deletes one user's row from the feature store so that
 * later vectors of that user are still stored ({@link FeatureStoreWriter#forget}). Reads the
 * online-sink's own configuration (file + env).
 */
public final class ForgetUser {
  private ForgetUser() {}

  public static void main(String[] args) {
    Settings options = Settings.fromCommandLine(args, "ForgetUser --user ID [--config FILE]", "user", "config");
    String user = options.requireString("user");
    String file = options.string("config", null);
    OnlineSinkConfig config = OnlineSinkConfig.from(Settings.load(file == null ? null : Path.of(file), System.getenv()));
    try (CqlSession session = CqlSessions.open(config.cql(), config.requestTimeout(), java.time.Duration.ZERO);
        FeatureStoreWriter writer = new FeatureStoreWriter(session, config.keyspace(), Duration.ZERO, 1)) {
      boolean had = writer.forget(user);
      System.out.println("online store " + config.keyspace() + ": " + (had ? "deleted the row of user " + user
          : "no row for user " + user));
    }
  }
}
