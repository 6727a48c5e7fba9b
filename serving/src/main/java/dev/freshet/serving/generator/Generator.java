package dev.freshet.serving.generator;

/** A text generator: reads a prompt, returns a continuation. Implementations are thread-safe. */
public interface Generator extends AutoCloseable {
  Generation generate(String prompt, int maxTokens, Sampling sampling);

  /** Greedy decoding: the model's single most likely text (what the conditioning check judges). */
  default Generation generate(String prompt, int maxTokens) {
    return generate(prompt, maxTokens, Sampling.GREEDY);
  }

  /** Name and version of the loaded model, for responses and logs. */
  String modelId();

  @Override
  void close();

  /** Generated text and how many tokens it took. */
  record Generation(String text, int tokens) {}
}
