package dev.freshet.features;

import dev.freshet.common.DeadLetter;

/** Output of {@link EventRowTracker}: either a delta for a user or a dead letter, never both. */
record Routed(UserDelta delta, DeadLetter deadLetter) {
  static Routed delta(UserDelta delta) {
    return new Routed(delta, null);
  }

  static Routed deadLetter(DeadLetter deadLetter) {
    return new Routed(null, deadLetter);
  }

  boolean isDeadLetter() {
    return deadLetter != null;
  }
}
