package dev.freshet.features;

import dev.freshet.common.FeatureVector;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies a user's deltas to the user's activity and publishes the user's whole feature vector
 * after each one, evaluated at the current wall-clock time.
 *
 * <p>The vector's {@code version} is {@code max(previous + 1, source LSN)}: strictly increasing per
 * user even when many changes share one LSN (all rows of the initial snapshot do), and otherwise
 * the LSN itself, so a rebuilt topology continues above what it published before.
 */
final class UserFeatureAggregator implements Processor<String, UserDelta, String, FeatureVector> {
  private ProcessorContext<String, FeatureVector> context;
  private KeyValueStore<String, UserActivity> activities;

  @Override
  public void init(ProcessorContext<String, FeatureVector> context) {
    this.context = context;
    this.activities = context.getStateStore(FeatureTopology.USER_ACTIVITY_STORE);
  }

  @Override
  public void process(Record<String, UserDelta> record) {
    UserDelta delta = record.value();
    String userId = delta.userId();
    Instant asOf = Instant.ofEpochMilli(context.currentSystemTimeMs());
    UserActivity previous = activities.get(userId);
    Map<Long, EventRow> rows = previous == null ? new TreeMap<>() : new TreeMap<>(previous.rows());
    if (delta.row() == null) {
      rows.remove(delta.eventId());
    } else {
      rows.put(delta.eventId(), delta.row());
    }
    Instant horizon = asOf.minus(UserFeatureCalculator.RETENTION);
    rows.values().removeIf(r -> !r.occurredAt().isAfter(horizon));

    long version = Math.max(previous == null ? 0 : previous.version() + 1, delta.lsn());
    long lsn = Math.max(previous == null ? 0 : previous.lsn(), delta.lsn());
    Instant commitTime = lsn == delta.lsn() ? delta.commitTime() : previous.commitTime();
    activities.put(userId, new UserActivity(rows, version, lsn, commitTime));

    Instant eventTime = rows.values().stream().map(EventRow::occurredAt).max(Instant::compareTo).orElse(null);
    FeatureVector vector = new FeatureVector(
        userId, UserFeatureCalculator.compute(rows.values(), asOf), eventTime, lsn, commitTime, version, asOf);
    context.forward(record.withValue(vector));
  }
}
