package dev.freshet.serving.generator;

import java.util.SplittableRandom;

/**
 * How the next token is chosen from the model's scores: {@code temperature} 0 is greedy (always
 * the best-scored token); above 0 the scores are divided by it, cut to the {@code topK} best
 * (0 = all) and sampled. The same {@code seed} gives the same text for the same prompt and model.
 */
public record Sampling(double temperature, int topK, long seed) {
  public static final Sampling GREEDY = new Sampling(0, 0, 0);

  public Sampling {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0, got " + topK);
    }
  }

  boolean greedy() {
    return temperature == 0;
  }

  /** A source of randomness for one generation, fixed by the seed. */
  SplittableRandom random() {
    return new SplittableRandom(seed);
  }

  /** Picks the next token from {@code scores} (unnormalised log-probabilities). */
  int next(float[] scores, SplittableRandom random) {
    if (greedy()) {
      return argMax(scores);
    }
    int k = topK == 0 || topK > scores.length ? scores.length : topK;
    int[] best = topIndices(scores, k);
    double max = scores[best[0]];
    double[] weights = new double[k];
    double total = 0;
    for (int i = 0; i < k; i++) {
      weights[i] = Math.exp((scores[best[i]] - max) / temperature);
      total += weights[i];
    }
    double r = random.nextDouble() * total;
    for (int i = 0; i < k; i++) {
      r -= weights[i];
      if (r < 0) {
        return best[i];
      }
    }
    return best[k - 1];
  }

  private static int argMax(float[] scores) {
    int best = 0;
    for (int i = 1; i < scores.length; i++) {
      if (scores[i] > scores[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Indices of the {@code k} highest scores, highest first (k is small next to the vocabulary). */
  private static int[] topIndices(float[] scores, int k) {
    int[] best = new int[k];
    int filled = 0;
    for (int i = 0; i < scores.length; i++) {
      if (filled < k) {
        best[filled++] = i;
      } else if (scores[i] > scores[best[k - 1]]) {
        best[k - 1] = i;
      } else {
        continue;
      }
      for (int j = filled - 1; j > 0 && scores[best[j]] > scores[best[j - 1]]; j--) { // keep sorted
        int t = best[j];
        best[j] = best[j - 1];
        best[j - 1] = t;
      }
    }
    return best;
  }
}
