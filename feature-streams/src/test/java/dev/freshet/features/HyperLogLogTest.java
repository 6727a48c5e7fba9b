package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.definitions.Aggregation;
import org.junit.jupiter.api.Test;

class HyperLogLogTest {

  @Test
  void estimatesAreWithinTheDeclaredErrorAcrossMagnitudes() {
    for (int n : new int[] {1, 10, 1_000, HyperLogLog.SPARSE_LIMIT + 1, 20_000, 200_000}) { // sparse and dense
      HyperLogLog sketch = new HyperLogLog();
      for (int i = 0; i < n; i++) {
        sketch.add("item-" + i);
        sketch.add("item-" + i); // repeats never count twice
      }
      assertThat((double) sketch.estimate()).as("estimate of %d distinct values", n)
          .isCloseTo(n, org.assertj.core.data.Offset.offset(Math.max(0.5, n * Aggregation.APPROXIMATE_RELATIVE_ERROR)));
    }
  }

  @Test
  void anEmptySketchCountsNothing() {
    assertThat(new HyperLogLog().estimate()).isZero();
  }
}
