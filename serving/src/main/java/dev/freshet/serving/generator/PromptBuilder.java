package dev.freshet.serving.generator;

/** Renders the text prompt the model reads: the profile first, then the caller's task. */
public final class PromptBuilder {
  private PromptBuilder() {}

  public static String build(Profile p, String task) {
    String profile = p.personalized()
        ? "category " + p.category() + "; author " + p.author() + "; spend " + p.spendBand() + "; activity " + p.activityBand()
        : "unknown";
    return "User profile: " + profile + ". Task: " + task.strip();
  }
}
