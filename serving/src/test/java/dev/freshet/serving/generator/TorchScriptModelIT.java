package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second model type, for real: a tiny GPT-shaped network trained and scripted by PyTorch
 * (Debian's python3-torch, installed by bin/ensure-python-torch when missing) from Freshet's
 * corpus, loaded as a TorchScript module with its HuggingFace tokenizer.json, served beside the
 * default GRU and chosen per request.
 */
class TorchScriptModelIT {
  static final int STEPS = 200;
  @TempDir static Path work;
  static Path modelDir;

  @BeforeAll
  static void trainAndScript() throws Exception {
    run(List.of("../bin/ensure-python-torch"), Duration.ofMinutes(10));
    Path corpus = work.resolve("corpus.jsonl");
    TrainingCorpus.main(new String[] {"--out", corpus.toString(), "--examples", "20000"});
    modelDir = work.resolve("tiny-gpt");
    run(List.of("/usr/bin/python3", "src/main/python/tiny_gpt.py", corpus.toString(), modelDir.toString(), Integer.toString(STEPS)),
        Duration.ofMinutes(15));
  }

  @Test
  void aTorchScriptModelServesBesideTheDefaultAndIsChosenPerRequest() throws Exception {
    Path gru = GruGenerator.unpackBundled(work.resolve("gru"));
    GenerationBatcher.Settings batching = new GenerationBatcher.Settings(64, 8, Duration.ofMillis(2), 1);
    try (ModelRegistry models = new ModelRegistry(List.of(new ModelRegistry.Source("default", gru),
        new ModelRegistry.Source("tiny-gpt", modelDir)), null, batching, new SimpleMeterRegistry())) {
      ModelManifest manifest = models.current("tiny-gpt");
      assertThat(manifest.type()).isEqualTo(TorchScriptGenerator.TYPE);
      assertThat(manifest.categories()).contains("books");

      String prompt = PromptBuilder.build(Profile.of("games", "lem", "high", "busy"), "recommend something");
      Generator.Request greedy = new Generator.Request(prompt, 0, 64, Sampling.GREEDY, Long.MAX_VALUE);
      GenerationBatcher.Served fromGpt = models.submit("tiny-gpt", greedy).get(60, TimeUnit.SECONDS);
      GenerationBatcher.Served fromGru = models.submit("default", greedy).get(60, TimeUnit.SECONDS);
      System.out.println("tiny-gpt: " + fromGpt.generation().text());
      assertThat(fromGpt.model().id()).isEqualTo(manifest.id());
      assertThat(fromGru.model().type()).isEqualTo(GruGenerator.TYPE);
      assertThat(fromGpt.generation().tokens()).isPositive();
      assertThat(fromGpt.generation().text()).as("word-level output joined like text").doesNotContain(" .").isNotBlank();
    }
  }

  @Test
  void batchedRowsEqualSingleRowsAndSeedsReproduce() {
    try (TorchScriptGenerator g = TorchScriptGenerator.load(ModelManifest.read(modelDir))) {
      List<Generator.Request> batch = List.of(
          new Generator.Request(PromptBuilder.build(Profile.of("books", "atwood", "low", "quiet"), "recommend something"), 0, 40,
              Sampling.GREEDY, Long.MAX_VALUE),
          new Generator.Request(PromptBuilder.build(Profile.unpersonalized(), "hi"), 0, 8, Sampling.GREEDY, Long.MAX_VALUE),
          new Generator.Request(PromptBuilder.build(Profile.of("music", "eco", "mid", "active"), "give me an idea"), 20, 40,
              new Sampling(0.9, 10, 5), Long.MAX_VALUE));
      List<Generator.Generation> together = g.generate(batch);
      for (int i = 0; i < batch.size(); i++) {
        assertThat(together.get(i)).as("row %d", i).isEqualTo(g.generate(List.of(batch.get(i))).get(0));
      }
      assertThat(together.get(1).tokens()).isLessThanOrEqualTo(8);
      assertThat(together.get(2).tokens()).isGreaterThanOrEqualTo(20);
      ConditioningCheck.Result r = ConditioningCheck.run(g);
      System.out.printf("tiny-gpt after %d steps: %d/%d profiles conditioned correctly, held-out pairs %d/%d%n", STEPS,
          r.correct(), r.profiles(), r.heldOutCorrect(), r.heldOutProfiles());
      assertThat(r.accuracy()).as("a plugged model conditions on the profile too: %s", r.failures()).isGreaterThanOrEqualTo(0.9);
    }
  }

  private static void run(List<String> command, Duration limit) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    Thread killer = new Thread(p::destroyForcibly); // the child must not outlive a stopped test run
    Runtime.getRuntime().addShutdownHook(killer);
    try {
      if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(command + " did not finish within " + limit);
      }
    } finally {
      Runtime.getRuntime().removeShutdownHook(killer);
    }
    assertThat(p.exitValue()).as("exit status of %s", command).isZero();
  }
}
