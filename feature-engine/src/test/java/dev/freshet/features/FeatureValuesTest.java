package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureValuesTest {
  @Test
  void aVectorIsWrittenAsJacksonWritesTheSameValuesInAMap() {
    String[] names = {"count_1m", "sum_5m", "avg_1h", "none", "last_category", "top_categories", "last_amounts", "empty", "quoted \"name\"", "first_at"};
    Object[] values = {42L, new BigDecimal("-12.50"), new BigDecimal("1E+3"), null, "caf\u00e9 \"\\\n\t\u0001 \ud83d\ude00",
        List.of("a", "b"), Arrays.asList(new BigDecimal("0.000001"), null, 7L), List.of(), "x", "2026-12-03T17:00:00.000000001Z"};
    FeatureValues features = new FeatureValues(new FeatureValues.Names(names), values);
    Map<String, Object> reference = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      reference.put(names[i], values[i]);
    }
    Instant at = Instant.parse("2026-12-03T17:00:00Z");
    assertThat(Json.write(new FeatureVector("u1", features, at, 7, at, 8, at, 1)))
        .isEqualTo(Json.write(new FeatureVector("u1", reference, at, 7, at, 8, at, 1)));
    // The topic's bytes come from Jackson's UTF-8 generator, which escapes some characters otherwise.
    assertThat(new String(FeatureVector.SERDE.serializer().serialize("t", new FeatureVector("u1", features, at, 7, at, 8, at, 1)),
        StandardCharsets.UTF_8))
        .isEqualTo(new String(FeatureVector.SERDE.serializer().serialize("t", new FeatureVector("u1", reference, at, 7, at, 8, at, 1)),
            StandardCharsets.UTF_8));
    assertThat(features).isEqualTo(reference);
  }
}
