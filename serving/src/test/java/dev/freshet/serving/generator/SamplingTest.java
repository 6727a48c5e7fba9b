package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplingTest {
  final float[] scores = {0.1f, 3.0f, 2.9f, -5f, 1.0f};

  @Test
  void greedyTakesTheBestAndTopKNeverLeavesTheBestK() {
    assertThat(Sampling.GREEDY.next(scores, new SplittableRandom(1))).isEqualTo(1);
    Sampling top2 = new Sampling(1.0, 2, 5);
    SplittableRandom random = top2.random();
    int[] seen = new int[scores.length];
    for (int i = 0; i < 2_000; i++) {
      seen[top2.next(scores, random)]++;
    }
    assertThat(seen[0] + seen[3] + seen[4]).isZero();
    assertThat(seen[1]).isGreaterThan(seen[2]).isGreaterThan(800); // 3.0 vs 2.9: close to even, best ahead
  }

  @Test
  void lowTemperatureConcentratesOnTheBest() {
    Sampling cold = new Sampling(0.05, 0, 1);
    SplittableRandom random = cold.random();
    int best = 0;
    for (int i = 0; i < 1_000; i++) {
      best += cold.next(scores, random) == 1 ? 1 : 0;
    }
    assertThat(best).isGreaterThan(850);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new Sampling(-0.1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Sampling(Double.NaN, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Sampling(1, -1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
