package dev.freshet.serving.generator;

import java.util.List;

/**
 * A loaded model that continues prompts. Implementations are thread-safe and take a batch of
 * requests at once, so concurrent requests share the model's forward passes (see {@link GenerationBatcher}).
 */
public interface Generator extends AutoCloseable {
  /** One result per request, in order. A request stops at its end token, its token budget or its deadline. */
  List<Generation> generate(List<Request> batch);

  default Generation generate(String prompt, int maxTokens, Sampling sampling) {
    return generate(List.of(new Request(prompt, 0, maxTokens, sampling, Long.MAX_VALUE))).get(0);
  }

  /** Greedy decoding: the model's single most likely text (what the conditioning check judges). */
  default Generation generate(String prompt, int maxTokens) {
    return generate(prompt, maxTokens, Sampling.GREEDY);
  }

  ModelManifest manifest();

  @Override
  void close();

  /**
   * What to continue; at least {@code minTokens} (the end token is not chosen before) and at most
   * {@code maxTokens} new tokens; how to pick them; until when ({@link System#nanoTime()}, MAX_VALUE: no limit).
   */
  record Request(String prompt, int minTokens, int maxTokens, Sampling sampling, long deadlineNanos) {}

  /** Why a generation ended. */
  enum Stop { END_TOKEN, MAX_TOKENS, DEADLINE }

  /** Generated text, how many tokens it took and why it stopped. */
  record Generation(String text, int tokens, Stop stop) {}
}
