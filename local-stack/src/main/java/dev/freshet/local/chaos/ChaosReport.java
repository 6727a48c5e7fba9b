package dev.freshet.local.chaos;

import java.util.List;
import java.util.Locale;

/** The outcome of every fault of a run, and the dead letters that were not deliberately bad input. */
public record ChaosReport(List<FaultOutcome> outcomes, List<String> unexpectedDeadLetters) {

  public boolean clean() {
    return unexpectedDeadLetters.isEmpty() && outcomes.stream().allMatch(FaultOutcome::clean);
  }

  /** A Markdown table, one row per fault, and a total (generations lost: the count at the end, as each row's is so far). */
  public String table() {
    StringBuilder t = new StringBuilder(
        "| fault | recovered in | vectors lost | vectors duplicated | stale or wrong users | generations lost | generations duplicated"
            + " | restarted by supervisor | broker refused produces |\n|---|---|---|---|---|---|---|---|---|\n");
    for (FaultOutcome o : outcomes) {
      t.append(String.format(Locale.ROOT, "| %s | %.1f s | %d | %d | %d | %d | %d | %d | %s |%n", o.fault(), o.recovered().toMillis() / 1000.0,
          o.vectorsLost(), o.vectorsDuplicated(), o.stale(), o.generationsLost(), o.generationsDuplicated(), o.supervisorRestarts(),
          o.refusedProduces().isPresent() ? Long.toString(o.refusedProduces().getAsLong()) : "n/a"));
    }
    t.append(String.format(Locale.ROOT, "| **total** | max %.1f s | %d | %d | %d | %d | %d | %d | |%n",
        outcomes.stream().mapToLong(o -> o.recovered().toMillis()).max().orElse(0) / 1000.0,
        outcomes.stream().mapToLong(FaultOutcome::vectorsLost).sum(), outcomes.stream().mapToLong(FaultOutcome::vectorsDuplicated).sum(),
        outcomes.stream().mapToInt(FaultOutcome::stale).sum(), outcomes.isEmpty() ? 0 : outcomes.get(outcomes.size() - 1).generationsLost(),
        outcomes.stream().mapToLong(FaultOutcome::generationsDuplicated).sum(), outcomes.stream().mapToInt(FaultOutcome::supervisorRestarts).sum()));
    t.append("Dead letters other than the deliberately late inserts: ").append(unexpectedDeadLetters.size()).append('\n');
    unexpectedDeadLetters.stream().limit(5).forEach(d -> t.append("  ").append(d).append('\n'));
    return t.toString();
  }
}
