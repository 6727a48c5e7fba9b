package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.embedded.ChildProcess;
import dev.freshet.local.chaos.ServiceFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two feature-streams instances share the partitions; one is SIGKILLed in the middle of a workload
 * (open transactions, unflushed state) and later started again on its old state directory. The
 * features still end equal to the reference: exactly-once processing and changelog-restored state,
 * no double counting, nothing lost.
 */
@ExtendWith(SharedStack.class)
class ScaleOutIT {
  static final String APPLICATION_ID = "freshet-features";

  @Test
  void killingOneOfTwoInstancesMidWorkloadStillEndsEqualToTheReference() throws Exception {
    SharedStack.Running stack = SharedStack.get();
    String bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    Path config = stack.dataDir().resolve("streams-2.properties");
    Properties p = new Properties();
    p.setProperty("kafka.bootstrap-servers", bootstrap);
    p.setProperty("streams.state-dir", stack.dataDir().resolve("streams-2").toString());
    // The broker notices the killed member after this long (its minimum) instead of 45 s.
    p.setProperty("streams.kafka.session.timeout.ms", "6000");
    p.setProperty(ServiceFleet.RECOVERY_LAG_KEY, ServiceFleet.RECOVERY_LAG); // both instances: the group's leader assigns
    try (var out = Files.newBufferedWriter(config)) {
      p.store(out, "second feature-streams instance");
    }
    List<Long> users = LongStream.rangeClosed(3_001, 3_030).boxed().toList();
    RandomChanges changes = new RandomChanges(stack.db(), users, Duration.ofMinutes(8), 42);
    HttpJson http = stack.pipeline().api();

    ChildProcess second = startSecondInstance(config, stack.dataDir());
    try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Await.until(Duration.ofSeconds(90), "two instances sharing the partitions", () -> activeMembers(admin), n -> n == 2);
      changes.run(800);
      second.kill();
      changes.run(800); // the survivor takes over the dead instance's tasks meanwhile
      Await.until(Duration.ofSeconds(90), "the survivor to own every partition", () -> activeMembers(admin), n -> n == 1);
      changes.run(400);

      second = startSecondInstance(config, stack.dataDir());
      Await.until(Duration.ofSeconds(90), "the restarted instance to rejoin", () -> activeMembers(admin), n -> n == 2);
      changes.run(800);
      FeatureReferenceIT.checkpoint("after a kill and a restart (" + changes + ")",
          new ReferenceFeatures(stack.db().dataSource(), changes.lateIds()), http, users);
    } finally {
      second.close();
    }
    assertThat(Files.readString(stack.dataDir().resolve("streams-2.log"))).contains("feature-streams:");
  }

  private static ChildProcess startSecondInstance(Path config, Path dataDir) {
    return TestJvm.start("feature-streams-2", List.of("-Xmx256m"), "dev.freshet.features.FeatureStreamsService",
        List.of("--config", config.toString()), Map.of(), dataDir.resolve("streams-2.log"));
  }

  /** Members of the Streams group that hold at least one partition. */
  private static int activeMembers(Admin admin) {
    try {
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(APPLICATION_ID)).all().get().get(APPLICATION_ID);
      return (int) group.members().stream().map(MemberDescription::assignment).filter(a -> !a.topicPartitions().isEmpty()).count();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe group " + APPLICATION_ID, e.getCause());
    }
  }
}
