package dev.freshet.serving.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The check itself, apart from any trained model: it passes a generator that writes what the
 * prompt's profile calls for, and fails one whose text does not follow the profile.
 */
class ConditioningCheckTest {
  private static final Pattern PROFILE =
      Pattern.compile("category (\\S+); author (\\S+); spend (\\S+); activity (\\S+)\\.");

  @Test
  void aGeneratorThatFollowsTheProfilePasses() {
    ConditioningCheck.Result r = ConditioningCheck.run(new Scripted(prompt -> profile(prompt)));
    assertThat(r.profiles()).isEqualTo(6 * 12 * 4 * 3);
    assertThat(r.heldOutProfiles()).isEqualTo(12 * 4 * 3);
    assertThat(r.accuracy()).isEqualTo(1.0);
    assertThat(r.heldOutAccuracy()).isEqualTo(1.0);
  }

  @Test
  void aGeneratorThatIgnoresTheProfileFails() {
    Profile always = Profile.of("books", "atwood", "low", "quiet");
    ConditioningCheck.Result r = ConditioningCheck.run(new Scripted(prompt -> always));
    assertThat(r.accuracy()).isLessThan(0.01);
    assertThat(r.failures()).isNotEmpty();
  }

  @Test
  void aGeneratorThatGetsOnlyTheActivityWrongFails() {
    ConditioningCheck.Result r = ConditioningCheck.run(new Scripted(prompt -> {
      Profile p = profile(prompt);
      return Profile.of(p.category(), p.author(), p.spendBand(), "busy");
    }));
    assertThat(r.accuracy()).as("only the 'busy' third is right").isBetween(0.33, 0.34);
  }

  private static Profile profile(String prompt) {
    Matcher m = PROFILE.matcher(prompt);
    assertThat(m.find()).as(prompt).isTrue();
    return Profile.of(m.group(1), m.group(2), m.group(3), m.group(4));
  }

  /** Writes the corpus's completion for the profile {@code reading} takes from each prompt. */
  private record Scripted(Function<String, Profile> reading) implements Generator {
    @Override
    public List<Generation> generate(List<Request> batch) {
      return batch.stream()
          .map(r -> new Generation(WordVocabulary.detokenize(WordVocabulary.tokenize(
              TrainingCorpus.completion(reading.apply(r.prompt()), new Random(1)))), 30, Stop.END_TOKEN))
          .toList();
    }

    @Override
    public ModelManifest manifest() {
      return null;
    }

    @Override
    public void close() {}
  }
}
