package dev.freshet.local.chaos;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * What one fault did, measured once the pipeline had recovered from it.
 *
 * @param recovered from the fault's end (everything back) until every checked user's served vector equalled the
 *     reference; the workload writes for the first {@link ChaosRun#WRITES_AFTER} of it, so that is its floor
 * @param vectorsLost vectors of the features topic that the Iceberg feature log did not hold once the sink had caught up (new since the last fault)
 * @param vectorsDuplicated feature-log rows of a topic position already held (new since the last fault)
 * @param stale users whose served vector still differed from the reference (or was older than the staleness bound) when the wait ended
 * @param generationsLost generations answered so far but not in the generation log, other than those serving may lose at its crash
 * @param generationsDuplicated request ids in the generation log more than once (new since the last fault)
 * @param supervisorRestarts services that exited on their own and were started again, as systemd would (new since the last fault)
 * @param refusedProduces produce requests the broker refused during the fault, where known
 * @param notes the first few differences seen, for the log
 */
public record FaultOutcome(String fault, Duration recovered, long vectorsLost, long vectorsDuplicated, int stale,
    long generationsLost, long generationsDuplicated, int supervisorRestarts, OptionalLong refusedProduces, List<String> notes) {

  public boolean clean() {
    return vectorsLost == 0 && vectorsDuplicated == 0 && stale == 0 && generationsLost == 0 && generationsDuplicated == 0;
  }
}
