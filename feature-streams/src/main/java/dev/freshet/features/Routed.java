package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.freshness.Watermark;

/**
 * Output of {@link RowTracker}, exactly one of: a delta for an entity, a dead letter, or a
 * watermark marker. Deltas and markers travel on the repartition topic in this form
 * ({@link StateCodec#ROUTED_RECORDS}).
 */
record Routed(RowDelta delta, DeadLetter deadLetter, Watermark watermark) {
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
