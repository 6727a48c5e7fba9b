package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every served feature of every user equals a brute-force SQL recomputation from the source table
 * at several checkpoints of a random workload: out-of-order event times within the allowed
 * lateness, updates, deletes, moves between users, and an idle gap longer than the smallest window
 * (1 minute) during which windows must decay with no event arriving.
 */
@ExtendWith(SharedStack.class)
class FeatureReferenceIT {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureReferenceIT.class);
  static final Duration CONVERGE = Duration.ofSeconds(90);
  /** features.max-staleness (1 s) plus the hop through online-sink and the store. */
  static final Duration SERVED_STALENESS = Duration.ofSeconds(3);

  @Test
  void servedFeaturesEqualTheReferenceThroughUpdatesDeletesLatenessAndIdleGaps() throws Exception {
    SharedStack.Running stack = SharedStack.get();
    List<Long> users = LongStream.rangeClosed(2_001, 2_040).boxed().toList();
    HttpJson http = new HttpJson(stack.pipeline().servingUrl());
    ReferenceFeatures reference = new ReferenceFeatures(stack.db().dataSource());
    RandomChanges changes = new RandomChanges(stack.db(), users, Duration.ofMinutes(8), 20261124);

    changes.run(2_500);
    checkpoint("after " + changes, reference, http, users);
    long activeNow = users.stream().mapToLong(u -> features(http, u).path("events_1m").asLong()).sum();

    Thread.sleep(Duration.ofSeconds(65).toMillis()); // longer than the 1-minute window: it must empty
    checkpoint("after a 65 s idle gap", reference, http, users);
    long activeAfterIdle = users.stream().mapToLong(u -> features(http, u).path("events_1m").asLong()).sum();
    assertThat(activeNow).as("the workload left events in the 1-minute windows").isPositive();
    assertThat(activeAfterIdle).as("and they left while the users were idle").isZero();

    changes.run(1_500);
    checkpoint("after " + changes, reference, http, users);
  }

  static void checkpoint(String when, ReferenceFeatures reference, HttpJson http, List<Long> users) {
    long start = System.nanoTime();
    Await.until(CONVERGE, "every feature of " + users.size() + " users to equal the reference " + when,
        () -> reference.mismatches(http, users, SERVED_STALENESS), List::isEmpty);
    LOG.info("checkpoint {}: {} users equal the reference after {} ms", when, users.size(), (System.nanoTime() - start) / 1_000_000);
  }

  private static JsonNode features(HttpJson http, long user) {
    return http.get("/v1/users/" + user + "/features").body().path("features");
  }
}
