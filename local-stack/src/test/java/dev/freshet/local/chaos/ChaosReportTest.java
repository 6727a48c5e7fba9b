package dev.freshet.local.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ChaosReportTest {
  private static FaultOutcome outcome(String fault, long lost, long duplicated, int stale) {
    return new FaultOutcome(fault, Duration.ofMillis(4_200), lost, duplicated, stale, 0, 0, 1, OptionalLong.of(3), List.of());
  }

  @Test
  void anyLossDuplicateOrWrongValueMakesTheRunUnclean() {
    assertThat(new ChaosReport(List.of(outcome("a", 0, 0, 0)), List.of()).clean()).isTrue();
    assertThat(new ChaosReport(List.of(outcome("a", 1, 0, 0)), List.of()).clean()).isFalse();
    assertThat(new ChaosReport(List.of(outcome("a", 0, 1, 0)), List.of()).clean()).isFalse();
    assertThat(new ChaosReport(List.of(outcome("a", 0, 0, 1)), List.of()).clean()).isFalse();
    assertThat(new ChaosReport(List.of(outcome("a", 0, 0, 0)), List.of("malformed")).clean()).isFalse();
  }

  @Test
  void theTableHasARowPerFaultAndATotal() {
    String table = new ChaosReport(List.of(outcome("kill -9 x", 0, 0, 0), outcome("restart y", 2, 0, 0)), List.of()).table();
    assertThat(table).contains("| kill -9 x | 4.2 s | 0 | 0 | 0 | 0 | 0 | 1 | 3 |")
        .contains("| restart y | 4.2 s | 2 |")
        .contains("| **total** | max 4.2 s | 2 | 0 | 0 | 0 | 0 | 2 | |")
        .contains("Dead letters other than the deliberately late inserts: 0");
  }

  @Test
  void anUnknownFaultIsRefusedWithTheKnownNames() {
    assertThat(Faults.schedule(Faults.SHORT)).hasSize(Faults.SHORT.size());
    assertThatThrownBy(() -> Faults.schedule(List.of("kill-feature-streams", "unplug-the-rack")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown fault 'unplug-the-rack'")
        .hasMessageContaining("restart-postgres");
  }
}
