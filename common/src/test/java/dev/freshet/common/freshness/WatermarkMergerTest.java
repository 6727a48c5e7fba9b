package dev.freshet.common.freshness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class WatermarkMergerTest {
  @Test
  void knownOnlyWhenEverySenderOfEveryStreamReported() {
    WatermarkMerger m = new WatermarkMerger(Set.of("events", "users"));
    assertThat(m.offer(new Watermark("db", 50, "events", 0, 2))).isEmpty();
    assertThat(m.offer(new Watermark("db", 70, "events", 1, 2))).isEmpty();
    assertThat(m.offer(new Watermark("db", 60, "users", 0, 1))).hasValue(50);
    assertThat(m.offer(new Watermark("db", 90, "events", 0, 2))).hasValue(60);
    assertThat(m.offer(new Watermark("db", 55, "events", 0, 2))).as("replayed older marker").isEmpty();
    assertThat(m.offer(new Watermark("other", 10, "events", 0, 2))).as("sources are separate").isEmpty();
  }

  @Test
  void aMarkerFromAnUnexpectedStreamIsAnError() {
    WatermarkMerger m = new WatermarkMerger(Set.of("features"));
    assertThatThrownBy(() -> m.offer(new Watermark("db", 1, "events", 0, 2))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> m.offer(new Watermark("db", 1, "features", 2, 2))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lsnsReadAndWriteInPostgresForm() {
    assertThat(Lsn.parse("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
    assertThat(Lsn.format(Lsn.parse("0/16B3748"))).isEqualTo("0/16B3748");
    assertThat(Lsn.parse("12345")).isEqualTo(12345L);
    assertThatThrownBy(() -> Lsn.parse("zz/1")).hasMessageContaining("pg_current_wal_lsn");
    assertThatThrownBy(() -> Lsn.parse("-4")).hasMessageContaining("not an LSN");
  }
}
