package dev.freshet.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path dir;

  @Test
  void envOverridesFileAndDashesMatchUnderscores() throws Exception {
    Path file = dir.resolve("svc.properties");
    Files.writeString(file, "kafka.bootstrap-servers=file:9092\nhttp.port=8080\n");
    Settings s = Settings.load(file, Map.of("FRESHET_KAFKA_BOOTSTRAP_SERVERS", "env:9093", "PATH", "/bin"));
    assertThat(s.requireString("kafka.bootstrap-servers")).isEqualTo("env:9093");
    assertThat(s.integer("http.port", 1)).isEqualTo(8080);
    assertThat(s.string("absent", "dflt")).isEqualTo("dflt");
  }

  @Test
  void durationsAcceptUnits() {
    Settings s = Settings.of(Map.of("a", "250ms", "b", "5s", "c", "2m", "d", "40"));
    assertThat(s.duration("a", null)).isEqualTo(Duration.ofMillis(250));
    assertThat(s.duration("b", null)).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.duration("c", null)).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.duration("d", null)).isEqualTo(Duration.ofMillis(40));
  }

  @Test
  void errorsNameTheKeyAndTheEnvVariable() {
    Settings s = Settings.of(Map.of("http.port", "eighty"));
    assertThatThrownBy(() -> s.integer("http.port", 1)).hasMessageContaining("http.port").hasMessageContaining("eighty");
    assertThatThrownBy(() -> s.requireString("pg.password")).hasMessageContaining("FRESHET_PG_PASSWORD");
  }

  @Test
  void prefixBlocksPassThrough() {
    Settings s = Settings.of(Map.of("kafka.linger.ms", "5", "kafka.acks", "all", "other", "x"));
    assertThat(s.withPrefix("kafka")).containsOnly(Map.entry("linger.ms", "5"), Map.entry("acks", "all"));
  }

  @Test
  void commandLineOptionsAreCheckedAgainstTheirNames() {
    Settings o = Settings.fromCommandLine(new String[] {"--samples", "300", "--rate", "2.5"}, "usage", "samples", "rate");
    assertThat(o.integer("samples", 1)).isEqualTo(300);
    assertThat(o.number("rate", 0)).isEqualTo(2.5);
    assertThatThrownBy(() -> Settings.fromCommandLine(new String[] {"--sample", "3"}, "tool [--samples N]", "samples"))
        .hasMessageContaining("--sample").hasMessageContaining("tool [--samples N]");
    assertThatThrownBy(() -> Settings.fromCommandLine(new String[] {"--samples"}, "u", "samples")).hasMessageContaining("usage");
  }
}
