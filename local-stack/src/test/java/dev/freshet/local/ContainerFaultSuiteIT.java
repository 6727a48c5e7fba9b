package dev.freshet.local;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The fault suite on containers: Kafka, PostgreSQL and ScyllaDB (the store the online path is
 * built for) from their images. Runs where a Docker engine exists; elsewhere JUnit reports it
 * skipped, not passed.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerFaultSuiteIT {
  @Test
  void theShortChaosScheduleOnContainersLosesNothingDoublesNothingAndLeavesNothingWrong() throws Exception {
    try (ContainerFaultServers servers = ContainerFaultServers.start()) {
      FaultSuite.shortScheduleLosesNothingDoublesNothingAndLeavesNothingWrong(servers, "container-faults");
    }
  }
}
