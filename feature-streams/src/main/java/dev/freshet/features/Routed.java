package dev.freshet.features;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.DeadLetter;
import dev.freshet.common.JsonSerde;
import dev.freshet.common.freshness.Watermark;

/**
 * Output of {@link RowTracker}, exactly one of: a delta for an entity, a dead letter, or a
 * watermark marker. Deltas and markers travel on the repartition topic in this form.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
record Routed(RowDelta delta, DeadLetter deadLetter, Watermark watermark) {
  static final JsonSerde<Routed> SERDE = new JsonSerde<>(Routed.class);

  static Routed delta(RowDelta delta) {
    return new Routed(delta, null, null);
  }

  static Routed deadLetter(DeadLetter deadLetter) {
    return new Routed(null, deadLetter, null);
  }

  static Routed watermark(Watermark watermark) {
    return new Routed(null, null, watermark);
  }

  boolean isDeadLetter() {
    return deadLetter != null;
  }

  boolean isWatermark() {
    return watermark != null;
  }
}
