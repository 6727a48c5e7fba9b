package dev.freshet.training;

import dev.freshet.common.definitions.FeatureDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The command-line plumbing the jobs share: {@code --name value} flags, parsed once at the edge, and how a job ends. */
final class JobFlags {
  private JobFlags() {}

  /** The flags given, each one of {@code names} (plus {@link SparkCatalog#FLAGS}); throws naming the problem, with the usage. */
  static Map<String, String> parse(String[] args, List<String> names, List<String> required, String usage) {
    List<String> known = new ArrayList<>(names);
    known.addAll(SparkCatalog.FLAGS);
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String name = args[i].startsWith("--") ? args[i].substring(2) : null;
      if (name == null || !known.contains(name) || i + 1 >= args.length) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'\n" + usage);
      }
      given.put(name, args[i + 1]);
    }
    for (String r : required) {
      if (!given.containsKey(r)) {
        throw new IllegalArgumentException("--" + r + " is required\n" + usage);
      }
    }
    return given;
  }

  static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--" + option + " must be a positive number, not '" + value + "'");
  }

  static <E extends Enum<E>> E choice(Class<E> type, String option, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value)) {
        return e;
      }
    }
    throw new IllegalArgumentException("--" + option + " must be one of " + List.of(type.getEnumConstants()).toString().toLowerCase()
        + ", not '" + value + "'");
  }

  /** The text of the definitions file (null: the bundled ones), sent to the executors as it is. */
  static String definitionsText(Path file) {
    if (file == null) {
      return FeatureDefinitions.bundledText();
    }
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the feature definitions " + file + ": " + e.getMessage());
    }
  }

  /**
   * Runs a job's main: a bad argument or input exits 2 with its message, a failure 1 with its
   * cause, success 0 — explicitly, as Spark's threads would keep the JVM alive after a failed job.
   */
  static void run(String job, Runnable main) {
    try {
      main.run();
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    } catch (RuntimeException e) {
      e.printStackTrace();
      System.err.println(job + " failed: " + e);
      System.exit(1);
    }
    System.exit(0);
  }
}
