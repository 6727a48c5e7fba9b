package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.freshness.Watermark;

/**
 * Output of {@link FeatureAggregator}: an entity's vector, a watermark marker, or the dead letter
 * of an entity whose vector could not be computed; exactly one of them.
 */
record Published(FeatureVector vector, Watermark watermark, DeadLetter deadLetter) {
  static Published vector(FeatureVector vector) {
    return new Published(vector, null, null);
  }

  static Published watermark(Watermark watermark) {
    return new Published(null, watermark, null);
  }

  static Published deadLetter(DeadLetter deadLetter) {
    return new Published(null, null, deadLetter);
  }

  boolean isWatermark() {
    return watermark != null;
  }

  boolean isDeadLetter() {
    return deadLetter != null;
  }
}
