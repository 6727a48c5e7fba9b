package dev.freshet.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantTest {
  @Test
  void printsExactlyWhatInstantToStringPrints() {
    Random random = new Random(11);
    long span = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond() - Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    for (int i = 0; i < 200_000; i++) {
      long second = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond() + (long) (random.nextDouble() * span);
      if (i % 2 == 0) {
        second = 1_780_000_000L + random.nextInt(1000); // many in the same seconds: the cache
      }
      int nanos = switch (i % 5) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant t = Instant.ofEpochSecond(second, nanos);
      assertThat(IsoInstant.format(t)).isEqualTo(t.toString());
    }
    for (String edge : new String[] {"1970-01-01T00:00:00Z", "2026-12-03T14:00:00Z", "2026-12-03T14:05:00.000001Z",
        "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.5Z"}) {
      Instant t = Instant.parse(edge);
      assertThat(IsoInstant.format(t)).isEqualTo(t.toString());
      assertThat(Json.write(t)).as("the JSON of every module").isEqualTo("\"" + t + "\"");
      assertThat(Json.read(Json.write(t), Instant.class)).isEqualTo(t);
    }
    for (Instant outside : new Instant[] {Instant.MIN, Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-12-31T23:59:59Z")}) {
      assertThat(IsoInstant.format(outside)).isEqualTo(outside.toString());
    }
  }
}
