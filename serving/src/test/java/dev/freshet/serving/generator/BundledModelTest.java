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

      Profile cheapBooks = new Profile("books", "atwood", "low", "quiet", List.of(), List.of(), true);
      Profile premiumGames = new Profile("games", "lem", "high", "busy", List.of(), List.of(), true);
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
      String prompt = PromptBuilder.build(new Profile("music", "eco", "mid", "active", List.of(), List.of(), true), "recommend");
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
}
