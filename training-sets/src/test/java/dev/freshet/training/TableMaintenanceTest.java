package dev.freshet.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maintenance of a table shaped like offline-sink's: small files rewritten sorted, old snapshots expired, orphans removed, rows unchanged. */
class TableMaintenanceTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Path warehouse = Files.createDirectories(dir.resolve("warehouse"));
    spark = SparkCatalog.from(java.util.Map.of("warehouse", warehouse.toString(), "master", "local[2]")).session("test");
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void smallFilesAreRewrittenSortedOldSnapshotsExpiredAndOrphansRemoved() throws Exception {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS freshet.freshet");
    spark.sql("CREATE TABLE freshet.freshet.user_features_log (user_id string, version bigint) USING iceberg");
    spark.sql("ALTER TABLE freshet.freshet.user_features_log WRITE ORDERED BY user_id, version");
    for (int i = 5; i >= 1; i--) { // one small file and one snapshot per commit, as the sink writes every few seconds
      spark.sql("INSERT INTO freshet.freshet.user_features_log VALUES ('" + i + "', " + i + ")");
    }
    Path data = dir.resolve("warehouse/freshet/user_features_log/data");
    Path orphan = Files.writeString(data.resolve("left-by-a-crashed-commit.parquet"), "not referenced");
    Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofDays(4))));

    Instant now = Instant.now();
    List<TableMaintenance.Done> done = TableMaintenance.run(spark, "freshet", now.plusSeconds(1), 1, now.minus(Duration.ofDays(3)));

    assertThat(done).hasSize(1);
    TableMaintenance.Done d = done.get(0);
    assertThat(d.dataFilesBefore()).isEqualTo(5);
    assertThat(d.dataFilesAfter()).isEqualTo(1);
    assertThat(d.snapshotsExpired()).isEqualTo(5);
    assertThat(d.orphansRemoved()).isEqualTo(1);
    assertThat(orphan).doesNotExist();
    assertThat(spark.sql("SELECT user_id FROM freshet.freshet.user_features_log").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .as("the same rows, now in one file sorted by user").containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void durationsAreReadAsDaysHoursOrMinutes() {
    assertThat(TableMaintenance.duration("x", "7d")).isEqualTo(Duration.ofDays(7));
    assertThat(TableMaintenance.duration("x", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThatThrownBy(() -> TableMaintenance.duration("expire-older-than", "a week")).hasMessageContaining("--expire-older-than must be");
  }
}
