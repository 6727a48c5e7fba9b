package dev.freshet.features;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.freshness.Watermark;

/** Output of {@link FeatureAggregator}: an entity's vector or a watermark marker, never both. */
record Published(FeatureVector vector, Watermark watermark) {
  static Published vector(FeatureVector vector) {
    return new Published(vector, null);
  }

  static Published watermark(Watermark watermark) {
    return new Published(null, watermark);
  }

  boolean isWatermark() {
    return watermark != null;
  }
}
