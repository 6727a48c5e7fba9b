package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every served feature of every user equals a brute-force SQL recomputation from the source table
 * at several checkpoints of a random workload: out-of-order event times within the allowed
 * lateness, inserts beyond it (dead-lettered, counted nowhere), updates, deletes, moves between
 * users, two heavy users with thousands of rows, rows placed just inside each long window (1 h,
 * 24 h, 7 d, 30 d) so they leave it during the test, and an idle gap longer than the smallest
 * window (1 minute) during which windows must decay with no event arriving.
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
    List<Long> heavy = List.of(2_041L, 2_042L);
    List<Long> everyone = LongStream.rangeClosed(2_001, 2_042).boxed().toList();
    HttpJson http = stack.pipeline().api();
    RandomChanges changes = new RandomChanges(stack.db(), users, Duration.ofMinutes(8), 20261124);
    ReferenceFeatures reference = new ReferenceFeatures(stack.db().dataSource(), changes.lateIds());

    changes.heavyUsers(heavy, 2_500);
    changes.run(2_500);
    Map<Long, Instant> crossing = changes.placeAtWindowEdges(
        List.of(Duration.ofHours(1), Duration.ofHours(24), Duration.ofDays(7), Duration.ofDays(30)));
    checkpoint("after " + changes, reference, http, everyone);
    assertThat(changes.lateIds()).as("the workload wrote inserts beyond the allowed lateness").isNotEmpty();
    for (long id : changes.lateIds()) {
      String row = "\"id\":" + id + ",";
      DeadLetter dead = DeadLetterTopic.letter(DeadLetterTopic.await(stack.servers().kafka.bootstrapServers(),
          r -> r.value().contains("late event") && DeadLetterTopic.letter(r).value().contains(row)));
      assertThat(dead.reason()).contains("allows 600 s");
    }
    long activeNow = users.stream().mapToLong(u -> features(http, u).path("events_1m").asLong()).sum();

    Thread.sleep(Duration.ofSeconds(65).toMillis()); // longer than the 1-minute window: it must empty
    checkpoint("after a 65 s idle gap", reference, http, everyone);
    assertThat(crossing.values()).as("every placed row has left its window by now").allMatch(t -> t.isBefore(Instant.now()));
    long activeAfterIdle = users.stream().mapToLong(u -> features(http, u).path("events_1m").asLong()).sum();
    assertThat(activeNow).as("the workload left events in the 1-minute windows").isPositive();
    assertThat(activeAfterIdle).as("and they left while the users were idle").isZero();

    changes.run(1_500);
    checkpoint("after " + changes, reference, http, everyone);
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
