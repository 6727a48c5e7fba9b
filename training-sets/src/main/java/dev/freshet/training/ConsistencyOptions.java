package dev.freshet.training;

import dev.freshet.common.OfflineTables;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * What {@code bin/consistency} was asked for, parsed once at the edge.
 *
 * @param definitions the definitions the stream computes with ({@code features.definitions}); null: the bundled ones
 * @param since only answers served at or after it; null: from the first
 * @param until only answers served before it; null: to the last
 * @param at when the exact values are taken: the answer's time (freshness counts) or the vector's (exactness alone)
 * @param out where to write the per-feature metrics (CSV) besides printing them; null: print only
 */
public record ConsistencyOptions(Path definitions, String namespace, String featureLog, String generationLog, Instant since, Instant until,
    At at, Path out, SparkCatalog catalog) {

  /** When the exact values are taken: at the answer ({@code served_at}), or at the computation of the vector it used. */
  public enum At { SERVED, COMPUTED }

  static final String USAGE = """
      bin/consistency [--since ISO-8601] [--until ISO-8601] [--at served|computed] [--definitions FILE] [--out DIR]
                      [--namespace freshet] [--feature-log user_features_log] [--generation-log generation_log]
                      """ + SparkCatalog.USAGE;

  /** Throws {@link IllegalArgumentException} naming the problem, with the usage. */
  public static ConsistencyOptions parse(String... args) {
    Map<String, String> given = JobFlags.parse(args,
        List.of("since", "until", "at", "definitions", "out", "namespace", "feature-log", "generation-log"), List.of(), USAGE);
    return new ConsistencyOptions(
        given.containsKey("definitions") ? Path.of(given.get("definitions")).toAbsolutePath() : null,
        given.getOrDefault("namespace", OfflineTables.NAMESPACE),
        given.getOrDefault("feature-log", OfflineTables.FEATURE_LOG),
        given.getOrDefault("generation-log", OfflineTables.GENERATION_LOG),
        instant(given, "since"),
        instant(given, "until"),
        JobFlags.choice(At.class, "at", given.getOrDefault("at", "served")),
        given.containsKey("out") ? Path.of(given.get("out")).toAbsolutePath() : null,
        SparkCatalog.from(given));
  }

  private static Instant instant(Map<String, String> given, String option) {
    String value = given.get(option);
    try {
      return value == null ? null : Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--" + option + " must be an ISO-8601 instant such as 2026-12-05T10:00:00Z, not '" + value + "'");
    }
  }

  /** A table of {@link #namespace} as Spark names it. */
  String table(String name) {
    return SparkCatalog.NAME + "." + namespace + "." + name;
  }
}
