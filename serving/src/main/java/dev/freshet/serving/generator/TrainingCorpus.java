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

  /**
   * How a profile's category and author are drawn: one in {@value #OTHER_ONE_IN} is {@code other}
   * (a value the model does not know), which shows each field's phrase apart from the other field;
   * one in {@value #PRACTICE_ONE_IN} is a made-up name (training only, serving never sends one:
   * a value outside the manifest's lists goes out as {@code other}); the rest are the catalogue's.
   * The text must repeat a made-up name, and it cannot be learned by heart with its partner, so
   * the model has to copy each field from the prompt — what makes it right for category and author
   * pairs it never saw together. Without them, a quarter to a third of the held-out pairs came out
   * with an author seen with that category instead, on some seeds; with them twice as often,
   * training sat on a plateau (nothing copied) for thousands of steps on some seeds.
   */
  static final int OTHER_ONE_IN = 4;
  static final int PRACTICE_ONE_IN = 8;
  static final List<String> PRACTICE_CATEGORIES = madeUp(List.of("pli", "sto", "qua", "tre"), List.of("nix", "mar", "dol"));
  static final List<String> PRACTICE_AUTHORS = madeUp(List.of("bo", "da", "fi", "gu", "ke", "mo"),
      List.of("vask", "rind", "tell", "mox", "quin", "zarb"));

  /** Every first part joined with every second part: single words, letters only (the tokenizer splits digits off). */
  private static List<String> madeUp(List<String> firsts, List<String> seconds) {
    return firsts.stream().flatMap(a -> seconds.stream().map(b -> a + b)).toList();
  }

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

  /** An example with catalogue names only (what bin/make-torchscript-model exports). */
  public static Example example(Random random) {
    return example(random, false);
  }

  /** An example; with {@code practiceNames}, an eighth of categories and authors are made up (see {@link #PRACTICE_ONE_IN}). */
  public static Example example(Random random, boolean practiceNames) {
    Profile p = randomProfileOrNone(random, practiceNames);
    return new Example(PromptBuilder.build(p, task(random)), completion(p, random));
  }

  /**
   * The control corpus: the prompt names one random profile, the completion is written for
   * another, so the text says nothing about the prompt's profile. A model trained on it must fail
   * the conditioning check; if it passed, the check would not be measuring conditioning.
   */
  public static Example shuffledExample(Random random, boolean practiceNames) {
    Profile shown = randomProfileOrNone(random, practiceNames);
    Profile written = randomProfileOrNone(random, practiceNames);
    return new Example(PromptBuilder.build(shown, task(random)), completion(written, random));
  }

  private static Profile randomProfileOrNone(Random random, boolean practiceNames) {
    return random.nextInt(20) == 0 ? Profile.unpersonalized() : randomProfile(random, practiceNames);
  }

  private static String task(Random random) {
    String task = TASKS.get(random.nextInt(TASKS.size()));
    if (random.nextInt(4) == 0) {
      task = task + " " + (random.nextBoolean() ? "please" : "for the weekend " + random.nextInt(100));
    }
    return task;
  }

  /**
   * Category and author pairs the corpus never shows together: two authors per category, each
   * author held out with exactly one category (12 of the 72 pairs). The conditioning check asks
   * for them anyway, so it sees whether the model composes what the profile says rather than
   * recalling pairs it was trained on.
   */
  static boolean heldOut(String category, String author) {
    int c = DemoCatalog.CATEGORIES.indexOf(category);
    int a = DemoCatalog.AUTHORS.indexOf(author);
    return c >= 0 && a >= 0 && Math.floorMod(a - 5 * c - 3, DemoCatalog.CATEGORIES.size()) == 0;
  }

  static Profile randomProfile(Random r, boolean practiceNames) {
    String category = field(r, DemoCatalog.CATEGORIES, practiceNames ? PRACTICE_CATEGORIES : List.of());
    String author;
    do {
      author = field(r, DemoCatalog.AUTHORS, practiceNames ? PRACTICE_AUTHORS : List.of());
    } while (heldOut(category, author));
    return Profile.of(category, author, pick(r, Profile.SPEND_BANDS), pick(r, Profile.ACTIVITY_BANDS));
  }

  private static String field(Random r, List<String> known, List<String> practice) {
    int roll = r.nextInt(OTHER_ONE_IN * PRACTICE_ONE_IN);
    if (roll < PRACTICE_ONE_IN) {
      return Profile.OTHER;
    }
    return roll < PRACTICE_ONE_IN + OTHER_ONE_IN && !practice.isEmpty() ? pick(r, practice) : pick(r, known);
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
    boolean knownCategory = !Profile.OTHER.equals(p.category());
    String noun = DemoCatalog.ITEM_NOUNS.getOrDefault(p.category(), "pick");
    sb.append(knownCategory ? "since you were looking at " + p.category() + " , " : "something new for you , ");
    sb.append(Profile.OTHER.equals(p.author()) ? "try this " + noun + " from our editors : " : "try this " + noun + " by " + p.author() + " : ");
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
    phrases.add(c.substring(0, c.indexOf(" . "))); // the greeting, which the activity band decides
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
      Example e = example(r, true);
      words.addAll(WordVocabulary.tokenize(e.prompt()));
      words.addAll(WordVocabulary.tokenize(e.completion()));
    }
    return words;
  }

  private static <T> T pick(Random r, List<T> items) {
    return items.get(r.nextInt(items.size()));
  }
}
