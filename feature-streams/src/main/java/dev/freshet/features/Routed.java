package dev.freshet.features;

import dev.freshet.common.DeadLetter;

/** Output of {@link RowTracker}: either a delta for an entity or a dead letter, never both. */
record Routed(RowDelta delta, DeadLetter deadLetter) {
  static Routed delta(RowDelta delta) {
    return new Routed(delta, null);
  }

  static Routed deadLetter(DeadLetter deadLetter) {
    return new Routed(null, deadLetter);
  }

  boolean isDeadLetter() {
    return deadLetter != null;
  }
}
