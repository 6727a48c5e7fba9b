package dev.freshet.serving.generator;

import dev.freshet.common.DemoCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures whether a model's output follows the profile: for every category x author x spend
 * band, the generated text must name that category and author and the band's offer.
 */
public final class ConditioningCheck {
  private ConditioningCheck() {}

  /** All profiles, and separately those with a category and author pair training never showed together. */
  public record Result(int profiles, int correct, int heldOutProfiles, int heldOutCorrect, List<String> failures) {
    public double accuracy() {
      return profiles == 0 ? 0 : (double) correct / profiles;
    }

    public double heldOutAccuracy() {
      return heldOutProfiles == 0 ? 0 : (double) heldOutCorrect / heldOutProfiles;
    }
  }

  public static Result run(Generator generator) {
    int total = 0;
    int correct = 0;
    int heldOut = 0;
    int heldOutCorrect = 0;
    List<String> failures = new ArrayList<>();
    int i = 0;
    for (String category : DemoCatalog.CATEGORIES) {
      for (String author : DemoCatalog.AUTHORS) {
        for (String spend : Profile.SPEND_BANDS) {
          String activity = Profile.ACTIVITY_BANDS.get(i++ % Profile.ACTIVITY_BANDS.size());
          Profile p = Profile.of(category, author, spend, activity);
          String prompt = PromptBuilder.build(p, "recommend something");
          String text = generator.generate(prompt, 64).text();
          total++;
          boolean novel = TrainingCorpus.heldOut(category, author);
          heldOut += novel ? 1 : 0;
          boolean ok = TrainingCorpus.expectedPhrases(p).stream().allMatch(phrase -> text.replace(" ,", ",").contains(phrase.replace(" ,", ",")));
          if (ok) {
            correct++;
            heldOutCorrect += novel ? 1 : 0;
          } else if (failures.size() < 5) {
            failures.add(prompt + " -> " + text);
          }
        }
      }
    }
    return new Result(total, correct, heldOut, heldOutCorrect, failures);
  }
}
