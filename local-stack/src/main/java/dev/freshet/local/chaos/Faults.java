package dev.freshet.local.chaos;

import dev.freshet.local.chaos.FaultServers.Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults a chaos run knows, by name, and the schedules made of them. Each fault lets the
 * workload run while it lasts (except while PostgreSQL itself is down) and ends with everything
 * started again.
 */
public final class Faults {
  private static final Logger LOG = LoggerFactory.getLogger(Faults.class);
  /** How long a killed service or a stopped server stays down. */
  static final Duration DOWN = Duration.ofSeconds(5);
  static final Duration STALL = Duration.ofSeconds(15);

  private Faults() {}

  /** Every fault, in the default schedule's order: one at a time first, then overlapping. */
  public static final Map<String, Fault> ALL = catalogue();

  /** The test command's shorter schedule: one of each kind (service crash, server restarts, stall, sink faults, an overlap). */
  public static final List<String> SHORT = List.of("kill-feature-streams", "restart-kafka", "restart-postgres", "restart-cql",
      "stall-cql", "kill-offline-sink-mid-commit", "two-offline-sinks", "kill-feature-streams-during-kafka-restart");

  private static Map<String, Fault> catalogue() {
    Map<String, Fault> all = new LinkedHashMap<>();
    for (String service : ServiceFleet.SERVICES) {
      add(all, "kill-" + service, "kill -9 " + service + ", restart after " + DOWN.toSeconds() + " s", run -> {
        if (service.equals("serving")) {
          run.servingMayLoseItsLastGenerations();
        }
        run.fleet().kill(service);
        run.workFor(DOWN);
        run.fleet().start(service);
      });
    }
    add(all, "restart-kafka", "restart the Kafka broker (down " + DOWN.toSeconds() + " s)",
        run -> run.servers().restart(Server.KAFKA, DOWN));
    add(all, "restart-postgres", "restart PostgreSQL (down " + DOWN.toSeconds() + " s)", run -> {
      run.holdWorkload();
      run.servers().restart(Server.POSTGRES, DOWN);
    });
    add(all, "restart-cql", "restart the CQL server (down " + DOWN.toSeconds() + " s)",
        run -> run.servers().restart(Server.CQL, DOWN));
    add(all, "stall-cql", "stall the CQL server " + STALL.toSeconds() + " s (SIGSTOP/SIGCONT)", run -> {
      run.servers().pause(Server.CQL);
      try {
        run.workFor(STALL);
      } finally {
        run.servers().resume(Server.CQL);
      }
    });
    add(all, "kill-offline-sink-mid-commit", "kill -9 offline-sink once its commit has written a data file", run -> {
      Path dataFile = run.awaitFeatureLogDataFile(Duration.ofSeconds(60));
      run.fleet().kill("offline-sink");
      LOG.info("offline-sink killed after writing {}: {}", dataFile.getFileName(), run.featureLogHolds(dataFile)
          ? "its snapshot was committed already" : "in the middle of its commit (no snapshot holds the file)");
      run.workFor(DOWN);
      run.fleet().start("offline-sink");
    });
    add(all, "two-offline-sinks", "a second offline-sink joins, the first is killed and comes back, the second stops", run -> {
      run.fleet().start("offline-sink" + ServiceFleet.SECOND);
      run.workFor(Duration.ofSeconds(15));
      run.fleet().kill("offline-sink");
      run.workFor(Duration.ofSeconds(10));
      run.fleet().start("offline-sink");
      run.workFor(Duration.ofSeconds(10));
      run.fleet().stop("offline-sink" + ServiceFleet.SECOND);
    });
    add(all, "kill-feature-streams-during-kafka-restart", "kill -9 feature-streams, restart the broker, start feature-streams", run -> {
      run.fleet().kill("feature-streams");
      run.servers().restart(Server.KAFKA, DOWN);
      run.fleet().start("feature-streams");
    });
    add(all, "kill-sinks-and-serving-during-cql-stall", "stall CQL; kill -9 online-sink and serving, restart them; resume CQL", run -> {
      run.servers().pause(Server.CQL);
      try {
        run.servingMayLoseItsLastGenerations();
        run.fleet().kill("online-sink");
        run.fleet().kill("serving");
        run.workFor(DOWN);
        run.fleet().start("online-sink");
        run.fleet().start("serving");
        run.workFor(DOWN);
      } finally {
        run.servers().resume(Server.CQL);
      }
    });
    add(all, "kill-ingest-cdc-during-postgres-restart", "kill -9 ingest-cdc, restart PostgreSQL, start ingest-cdc", run -> {
      run.holdWorkload();
      run.fleet().kill("ingest-cdc");
      run.servers().restart(Server.POSTGRES, DOWN);
      run.fleet().start("ingest-cdc");
    });
    return all;
  }

  private static void add(Map<String, Fault> all, String key, String name, Fault.Action action) {
    all.put(key, new Fault(name, action));
  }

  /** The faults named in {@code keys}, in that order; an unknown name is refused with the list of known ones. */
  public static List<Fault> schedule(List<String> keys) {
    List<Fault> faults = new ArrayList<>();
    for (String key : keys) {
      Fault f = ALL.get(key);
      if (f == null) {
        throw new IllegalArgumentException("unknown fault '" + key + "'; known: " + String.join(", ", ALL.keySet()));
      }
      faults.add(f);
    }
    return faults;
  }
}
