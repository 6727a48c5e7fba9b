package dev.freshet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.embedded.ChildProcess;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.KafkaBroker;
import dev.freshet.embedded.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest-cdc's process ends, with status 1, when its engine stops for good (here: the captured
 * tables do not exist, so Debezium cannot make its publication), instead of staying up unhealthy
 * where systemd would never restart it.
 */
class IngestCdcExitIT {
  @TempDir Path dir;

  @Test
  void theProcessExitsNonZeroWhenItsEngineStopsForGood() throws Exception {
    try (PostgresServer postgres = PostgresServer.start(dir.resolve("postgres"), "shop");
         KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 1)) {
      Path config = dir.resolve("ingest-cdc.properties");
      Files.writeString(config, String.join("\n",
          "source.host=" + postgres.host(), "source.port=" + postgres.port(), "source.database=shop",
          "source.user=" + PostgresServer.USER,
          "kafka.bootstrap-servers=" + kafka.bootstrapServers(), "topics.replication-factor=1", "ops.port=" + FreePorts.pick(), ""));
      Path log = dir.resolve("ingest-cdc.log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      try (ChildProcess ingest = ChildProcess.start("ingest-cdc", List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          IngestCdcService.class.getName(), "--config", config.toString()), log)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!ingest.commandAlive() && System.nanoTime() < deadline) {
          Thread.sleep(50); // the watchdog shell has not started the JVM yet
        }
        while (ingest.commandAlive() && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertThat(ingest.commandAlive()).as("ingest-cdc still running 90 s after its engine failed; log %s", log).isFalse();
        ingest.close();
        assertThat(ingest.exitValue()).isEqualTo(1);
      }
      assertThat(Files.readString(log)).contains("ingest-cdc: failed:").contains("Unable to create filtered publication");
    }
  }
}
