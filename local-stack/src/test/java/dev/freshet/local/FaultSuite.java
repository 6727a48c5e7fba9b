package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.local.chaos.Chaos;
import dev.freshet.local.chaos.ChaosReport;
import dev.freshet.local.chaos.FaultServers;
import dev.freshet.local.chaos.Faults;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault suite of the test command: {@code bin/chaos}'s short schedule (one fault of each kind,
 * and an overlap) on whichever servers it is given, so the same test runs on servers this machine
 * starts and on containers.
 */
final class FaultSuite {
  private static final Logger LOG = LoggerFactory.getLogger(FaultSuite.class);

  private FaultSuite() {}

  /** Runs the short schedule; the services' logs stay in {@code target/<name>} for a failure's post-mortem. */
  static void shortScheduleLosesNothingDoublesNothingAndLeavesNothingWrong(FaultServers servers, String name) throws Exception {
    Path dir = Path.of("target", name).toAbsolutePath();
    FreshetLocal.deleteRecursively(dir);
    ChaosReport report = Chaos.run(servers, dir, name, Faults.schedule(Faults.SHORT), 7, 20);
    LOG.info("{} schedule:\n{}", name, report.table());
    assertThat(report.clean()).as("nothing lost, duplicated or left wrong:\n" + report.table()).isTrue();
  }
}
