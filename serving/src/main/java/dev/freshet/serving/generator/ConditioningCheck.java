package dev.freshet.serving.generator;

import dev.freshet.common.DemoCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures whether a model's output follows the profile: for every category x author x spend
 * band x activity band, the generated text must name that category and author and use the spend
 * band's offer and the activity band's greeting.
 */
public final class ConditioningCheck {
  private static final int BATCH = 32;

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
    List<Profile> profiles = new ArrayList<>();
    for (String category : DemoCatalog.CATEGORIES) {
      for (String author : DemoCatalog.AUTHORS) {
        for (String spend : Profile.SPEND_BANDS) {
          for (String activity : Profile.ACTIVITY_BANDS) {
            profiles.add(Profile.of(category, author, spend, activity));
          }
        }
      }
    }
    int correct = 0;
    int heldOut = 0;
    int heldOutCorrect = 0;
    List<String> failures = new ArrayList<>();
    for (int start = 0; start < profiles.size(); start += BATCH) {
      List<Profile> chunk = profiles.subList(start, Math.min(profiles.size(), start + BATCH));
      List<Generator.Request> requests = chunk.stream()
          .map(p -> new Generator.Request(PromptBuilder.build(p, "recommend something"), 0, 64, Sampling.GREEDY, Long.MAX_VALUE))
          .toList();
      List<Generator.Generation> texts = generator.generate(requests);
      for (int i = 0; i < chunk.size(); i++) {
        Profile p = chunk.get(i);
        String text = texts.get(i).text().replace(" ,", ",");
        boolean novel = TrainingCorpus.heldOut(p.category(), p.author());
        heldOut += novel ? 1 : 0;
        if (TrainingCorpus.expectedPhrases(p).stream().allMatch(phrase -> text.contains(phrase.replace(" ,", ",")))) {
          correct++;
          heldOutCorrect += novel ? 1 : 0;
        } else if (failures.size() < 5) {
          failures.add(requests.get(i).prompt() + " -> " + text);
        }
      }
    }
    return new Result(profiles.size(), correct, heldOut, heldOutCorrect, failures);
  }
}
