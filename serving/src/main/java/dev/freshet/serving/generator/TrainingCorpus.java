package dev.freshet.serving.generator;

import dev.freshet.common.DemoCatalog;
import dev.freshet.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates the default model's training text: a prompt rendered by {@link PromptBuilder} from a
 * random profile and task, and a recommendation whose content depends on that profile. The
 * wording varies at random so the model must learn which parts the profile decides.
 */
public final class TrainingCorpus {
  static final List<String> TASKS = List.of(
      "recommend something", "suggest what to try next", "write a short recommendation",
      "what should i look at today", "pick something for me", "give me an idea");
  private static final List<String> SIGN_OFFS = List.of("enjoy !", "happy browsing !", "have fun !");

  private TrainingCorpus() {}

  /**
   * Writes {@code --examples} examples as JSON lines {@code {"prompt", "completion"}} to {@code --out},
   * after a first line naming the profile values they condition on ({@code {"categories", "authors"}}),
   * for trainers outside the JVM (bin/make-torchscript-model). Same {@code --seed}, same file.
   */
  public static void main(String[] args) throws IOException {
    dev.freshet.common.Settings o = dev.freshet.common.Settings.fromCommandLine(args,
        "TrainingCorpus --out FILE [--examples N] [--seed S]", "out", "examples", "seed");
    Random random = new Random(o.integer("seed", 42));
    List<String> lines = new ArrayList<>();
    lines.add(Json.write(Map.of("categories", DemoCatalog.CATEGORIES, "authors", DemoCatalog.AUTHORS)));
    for (int i = o.integer("examples", 20_000); i > 0; i--) {
      Example e = example(random);
      lines.add(Json.write(Map.of("prompt", e.prompt(), "completion", e.completion())));
    }
    Files.write(Path.of(o.requireString("out")), lines);
  }

  /** One training example: prompt and completion, as text. */
  public record Example(String prompt, String completion) {}

  public static Example example(Random random) {
    Profile p = random.nextInt(20) == 0 ? Profile.unpersonalized() : randomProfile(random);
    String task = TASKS.get(random.nextInt(TASKS.size()));
    if (random.nextInt(4) == 0) {
      task = task + " " + (random.nextBoolean() ? "please" : "for the weekend " + random.nextInt(100));
    }
    return new Example(PromptBuilder.build(p, task), completion(p, random));
  }

  /**
   * Category and author pairs the corpus never shows together, one author per category: the
   * conditioning check asks for them anyway, so it sees whether the model composes what the
   * profile says rather than recalling pairs it was trained on.
   */
  static boolean heldOut(String category, String author) {
    int c = DemoCatalog.CATEGORIES.indexOf(category);
    return c >= 0 && DemoCatalog.AUTHORS.indexOf(author) == (c * 5 + 3) % DemoCatalog.AUTHORS.size();
  }

  static Profile randomProfile(Random r) {
    String category = r.nextInt(12) == 0 ? Profile.OTHER : pick(r, DemoCatalog.CATEGORIES);
    String author;
    do {
      author = r.nextInt(12) == 0 ? Profile.OTHER : pick(r, DemoCatalog.AUTHORS);
    } while (heldOut(category, author));
    return Profile.of(category, author, pick(r, Profile.SPEND_BANDS), pick(r, Profile.ACTIVITY_BANDS));
  }

  /** The expected text for a profile; {@link #expectedPhrases} names the parts a test checks. */
  static String completion(Profile p, Random r) {
    StringBuilder sb = new StringBuilder();
    if (!p.personalized()) {
      return "here are this week's most popular picks across the shop . " + pick(r, SIGN_OFFS);
    }
    sb.append(switch (p.activityBand()) {
      case "busy" -> "you are on a roll today . ";
      case "active" -> "nice to see you again . ";
      default -> "welcome back . ";
    });
    boolean knownCategory = DemoCatalog.CATEGORIES.contains(p.category());
    String noun = knownCategory ? DemoCatalog.ITEM_NOUNS.get(p.category()) : "pick";
    sb.append(knownCategory ? "since you were looking at " + p.category() + " , " : "something new for you , ");
    sb.append(DemoCatalog.AUTHORS.contains(p.author()) ? "try this " + noun + " by " + p.author() + " : " : "try this " + noun + " from our editors : ");
    sb.append(switch (p.spendBand()) {
      case "high" -> "the premium collector edition . ";
      case "mid" -> "a well reviewed choice at a fair price . ";
      case "low" -> "an affordable pick under twenty dollars . ";
      default -> "a free preview to start with . ";
    });
    sb.append(pick(r, SIGN_OFFS));
    return sb.toString();
  }

  /** Phrases a correctly conditioned output for {@code p} must contain. */
  static List<String> expectedPhrases(Profile p) {
    Random fixed = new Random(0);
    String c = completion(p, fixed);
    List<String> phrases = new ArrayList<>();
    if (DemoCatalog.CATEGORIES.contains(p.category())) {
      phrases.add("looking at " + p.category());
    }
    if (DemoCatalog.AUTHORS.contains(p.author())) {
      phrases.add("by " + p.author());
    }
    phrases.add(c.substring(c.indexOf(" : ") + 3, c.indexOf(" . ", c.indexOf(" : "))).trim());
    return phrases;
  }

  /** Every word the corpus can produce, so the vocabulary is complete by construction. */
  static Set<String> words() {
    Set<String> words = new LinkedHashSet<>();
    Random r = new Random(1);
    for (int i = 0; i < 20_000; i++) {
      Example e = example(r);
      words.addAll(WordVocabulary.tokenize(e.prompt()));
      words.addAll(WordVocabulary.tokenize(e.completion()));
    }
    return words;
  }

  private static <T> T pick(Random r, List<T> items) {
    return items.get(r.nextInt(items.size()));
  }
}
