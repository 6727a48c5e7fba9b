package dev.freshet.local;

import dev.freshet.local.chaos.EmbeddedFaultServers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Faults on separate processes, on servers of its own that it can restart (not the module's shared
 * ones, which the other tests' in-JVM pipeline uses): see {@link FaultSuite} and {@code bin/chaos}.
 */
class FaultSuiteIT {
  @Test
  void theShortChaosScheduleLosesNothingDoublesNothingAndLeavesNothingWrong() throws Exception {
    Path dir = Files.createTempDirectory("freshet-faults");
    try (EmbeddedFaultServers servers = EmbeddedFaultServers.start(dir)) {
      FaultSuite.shortScheduleLosesNothingDoublesNothingAndLeavesNothingWrong(servers, "faults");
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }
}
