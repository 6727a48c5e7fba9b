package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed model is a real network whose output follows the profile it is given. */
class BundledModelTest {
  @TempDir Path scratch;

  @Test
  void outputsAreConditionedOnTheProfile() {
    try (GruGenerator g = GruGenerator.loadBundled(scratch)) {
      ConditioningCheck.Result r = ConditioningCheck.run(g);
      assertThat(r.accuracy()).as("profiles with correct category, author and spend offer: %s", r.failures()).isGreaterThanOrEqualTo(0.95);
      assertThat(r.heldOutAccuracy()).as("category and author pairs training never showed together").isGreaterThanOrEqualTo(0.9);

      Profile cheapBooks = Profile.of("books", "atwood", "low", "quiet");
      Profile premiumGames = Profile.of("games", "lem", "high", "busy");
      String a = g.generate(PromptBuilder.build(cheapBooks, "recommend something"), 64).text();
      String b = g.generate(PromptBuilder.build(premiumGames, "recommend something"), 64).text();
      assertThat(a).contains("books").contains("atwood").contains("affordable");
      assertThat(b).contains("games").contains("lem").contains("premium");
    }
  }

  @Test
  void maxTokensBoundsTheOutput() {
    try (GruGenerator g = GruGenerator.loadBundled(scratch)) {
      Generator.Generation out = g.generate(PromptBuilder.build(Profile.unpersonalized(), "hi"), 3);
      assertThat(out.tokens()).isEqualTo(3);
    }
  }

  @Test
  void theSameSeedGivesTheSameTextAndSamplingVaries() {
    try (GruGenerator g = GruGenerator.loadBundled(scratch)) {
      String prompt = PromptBuilder.build(Profile.of("music", "eco", "mid", "active"), "recommend");
      Sampling hot = new Sampling(1.5, 0, 7);
      assertThat(g.generate(prompt, 32, hot).text()).isEqualTo(g.generate(prompt, 32, hot).text());
      assertThat(g.generate(prompt, 32, new Sampling(0, 0, 99)).text()).isEqualTo(g.generate(prompt, 32).text());
      Set<String> texts = new HashSet<>();
      for (long seed = 0; seed < 8; seed++) {
        texts.add(g.generate(prompt, 32, new Sampling(1.5, 0, seed)).text());
      }
      assertThat(texts).as("8 seeds at temperature 1.5").hasSizeGreaterThan(1);
      assertThat(g.generate(prompt, 32, new Sampling(2.0, 1, 3)).text()).as("top_k 1 is greedy").isEqualTo(g.generate(prompt, 32).text());
    }
  }

  @Test
  void aBatchGivesEachRequestTheTextItWouldGetAlone() {
    try (GruGenerator g = GruGenerator.loadBundled(scratch)) {
      List<Generator.Request> batch = List.of(
          new Generator.Request(PromptBuilder.build(Profile.of("books", "atwood", "low", "quiet"), "recommend something"), 0, 64, Sampling.GREEDY, Long.MAX_VALUE),
          new Generator.Request(PromptBuilder.build(Profile.of("games", "lem", "high", "busy"), "pick something for me please"), 0, 5, Sampling.GREEDY, Long.MAX_VALUE),
          new Generator.Request(PromptBuilder.build(Profile.unpersonalized(), "hi"), 0, 64, new Sampling(0.8, 20, 7), Long.MAX_VALUE),
          new Generator.Request(PromptBuilder.build(Profile.of("kitchen", "other", "mid", "active"), "give me an idea"), 30, 40, Sampling.GREEDY, Long.MAX_VALUE));
      List<Generator.Generation> together = g.generate(batch);
      for (int i = 0; i < batch.size(); i++) {
        assertThat(together.get(i)).as("row %d", i).isEqualTo(g.generate(List.of(batch.get(i))).get(0));
      }
      assertThat(together.get(1).tokens()).isEqualTo(5);
      assertThat(together.get(1).stop()).isEqualTo(Generator.Stop.MAX_TOKENS);
      assertThat(together.get(0).stop()).isEqualTo(Generator.Stop.END_TOKEN);
      assertThat(together.get(3).tokens()).as("min_tokens 30 holds the end token back").isGreaterThanOrEqualTo(30);
    }
  }

  @Test
  void aRequestPastItsDeadlineStops() {
    try (GruGenerator g = GruGenerator.loadBundled(scratch)) {
      Generator.Generation late = g.generate(List.of(new Generator.Request("hi", 0, 64, Sampling.GREEDY, System.nanoTime()))).get(0);
      assertThat(late.stop()).isEqualTo(Generator.Stop.DEADLINE);
      assertThat(late.tokens()).isZero();
    }
  }
}
