package dev.freshet.local.chaos;

import dev.freshet.common.Settings;
import dev.freshet.local.FreshetLocal;
import dev.freshet.local.MachineLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/chaos}: starts its own PostgreSQL, Kafka and CQL servers and the five services as
 * separate JVMs, runs a schedule of faults under a steady workload, and prints what each fault
 * did (see {@link ChaosRun}). Exits 1 when anything was lost, duplicated or left wrong.
 */
public final class Chaos {
  private static final Logger LOG = LoggerFactory.getLogger(Chaos.class);

  private Chaos() {}

  /** Runs {@code schedule} on {@code servers} with the run's files under {@code dir}. */
  public static ChaosReport run(FaultServers servers, Path dir, String name, List<Fault> schedule, long seed, double changesPerSecond)
      throws Exception {
    try (ChaosRun run = ChaosRun.start(servers, dir, name, seed, changesPerSecond)) {
      List<FaultOutcome> outcomes = new ArrayList<>();
      outcomes.add(run.baseline(Duration.ofSeconds(10)));
      for (int i = 0; i < schedule.size(); i++) {
        LOG.info("fault {} of {}: {}", i + 1, schedule.size(), schedule.get(i).name());
        outcomes.add(run.inject(schedule.get(i)));
      }
      return new ChaosReport(outcomes, run.unexpectedDeadLetters());
    }
  }

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args,
        "bin/chaos [--faults all|short|NAME,NAME...] [--repeat 2] [--seed S] [--rate CHANGES_PER_SECOND] [--data-dir DIR]\n"
            + "faults: " + String.join(", ", Faults.ALL.keySet()), "faults", "repeat", "seed", "rate", "data-dir");
    String faults = options.string("faults", "all");
    List<String> keys = switch (faults) {
      case "all" -> List.copyOf(Faults.ALL.keySet());
      case "short" -> Faults.SHORT;
      default -> Arrays.asList(faults.split(","));
    };
    List<Fault> schedule = new ArrayList<>();
    for (int i = 0; i < options.integer("repeat", 2); i++) {
      schedule.addAll(Faults.schedule(keys));
    }
    Path dir = Path.of(options.string("data-dir", ".freshet/chaos")).toAbsolutePath();
    FreshetLocal.deleteRecursively(dir);
    Files.createDirectories(dir);
    long started = System.nanoTime();
    ChaosReport report;
    try (FaultServers servers = EmbeddedFaultServers.start(dir.resolve("servers"))) {
      report = run(servers, dir.resolve("run"), "chaos", schedule, options.integer("seed", 7), options.number("rate", 20));
    }
    System.out.printf("%nbin/chaos: %d faults in %.1f min (%s); services' logs in %s%n%n%s", schedule.size(),
        (System.nanoTime() - started) / 60e9, MachineLoad.summary(), dir.resolve("run"), report.table());
    System.exit(report.clean() ? 0 : 1);
  }
}
