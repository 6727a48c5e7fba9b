package dev.freshet.serving.generator;

import dev.freshet.serving.generator.Generator.Generation;
import dev.freshet.serving.generator.Generator.Request;
import dev.freshet.serving.generator.Generator.Stop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The decoding loop every model type shares: each row of a batch samples its next token with its
 * own {@link Sampling} and random stream, and leaves the batch at its end token, its token budget
 * or its deadline; the model is asked only for the rows still generating.
 */
final class TokenLoop {
  private TokenLoop() {}

  /** One batch's model state, so each step feeds only the new tokens. */
  interface Session extends AutoCloseable {
    /** Scores of the token after each prompt, one row per prompt. */
    float[][] start(long[][] prompts);

    /** Feeds {@code tokens[i]} to batch row {@code rows[i]} (ascending); the scores of their next tokens, in that order. */
    float[][] next(int[] rows, long[] tokens);

    @Override
    void close();
  }

  /**
   * Generates for every request: {@code encode} turns a prompt into the model's token ids,
   * {@code decode} a row's generated ids into text.
   */
  static List<Generation> generate(Session session, List<Request> requests, Function<String, long[]> encode,
      Function<List<Integer>, String> decode, int endToken) {
    int n = requests.size();
    long[][] prompts = new long[n][];
    for (int i = 0; i < n; i++) {
      prompts[i] = encode.apply(requests.get(i).prompt());
    }
    List<List<Integer>> tokens = new ArrayList<>(n);
    Stop[] stops = new Stop[n];
    SplittableRandom[] randoms = new SplittableRandom[n];
    for (int i = 0; i < n; i++) {
      tokens.add(new ArrayList<>());
      randoms[i] = requests.get(i).sampling().random();
    }
    int[] rows = IntStream.range(0, n).toArray();
    float[][] scores = session.start(prompts);
    while (rows.length > 0) {
      long now = System.nanoTime();
      int[] stillGoing = new int[rows.length];
      long[] fed = new long[rows.length];
      int k = 0;
      for (int j = 0; j < rows.length; j++) {
        int row = rows[j];
        Request r = requests.get(row);
        if (now - r.deadlineNanos() >= 0) {
          stops[row] = Stop.DEADLINE;
          continue;
        }
        if (tokens.get(row).size() < r.minTokens()) {
          scores[j][endToken] = Float.NEGATIVE_INFINITY;
        }
        int next = r.sampling().next(scores[j], randoms[row]);
        if (next == endToken) {
          stops[row] = Stop.END_TOKEN;
          continue;
        }
        tokens.get(row).add(next);
        if (tokens.get(row).size() >= r.maxTokens()) {
          stops[row] = Stop.MAX_TOKENS;
          continue;
        }
        stillGoing[k] = row;
        fed[k++] = next;
      }
      rows = Arrays.copyOf(stillGoing, k);
      if (k > 0) {
        scores = session.next(rows, Arrays.copyOf(fed, k));
      }
    }
    List<Generation> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Generation(decode.apply(tokens.get(i)), tokens.get(i).size(), stops[i]));
    }
    return out;
  }
}
