package dev.freshet.local;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.embedded.KafkaBroker;
import dev.freshet.features.FeatureStreamsConfig;
import dev.freshet.features.FeatureStreamsService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The feature engine alone (feature-streams with the bundled definitions on a real KRaft broker,
 * exactly-once, RocksDB), fed Debezium-shaped change events directly, so nothing else on the box
 * competes with it:
 *
 * <ol>
 *   <li>throughput: {@code --backlog} inserts for {@code --users} users are written to the change
 *       topic, then the engine is timed until every one has its vector published;
 *   <li>latency: inserts at {@code --rate} per second for {@code --seconds}; for each, the time
 *       from its write to the change topic until its vector can be read (read_committed) from the
 *       features topic, p50/p99/max from HdrHistogram.
 * </ol>
 *
 * Run by {@code bin/bench-topology}.
 */
public final class TopologyBench {
  private TopologyBench() {}

  public static void main(String[] args) throws Exception {
    Settings o = Settings.fromCommandLine(args, "bin/bench-topology [--users N] [--backlog N] [--rate R] [--seconds S]",
        "users", "backlog", "rate", "seconds");
    int users = o.integer("users", 10_000);
    int backlog = o.integer("backlog", 100_000);
    double rate = o.number("rate", 1_000);
    int seconds = o.integer("seconds", 30);

    Path dir = Files.createTempDirectory("freshet-topology-bench");
    try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 2)) {
      Settings settings = Settings.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
          "streams.state-dir", dir.resolve("streams").toString()));
      Map<Long, Long> writtenAt = new ConcurrentHashMap<>(); // lsn -> nanoTime written
      Histogram latency = new SynchronizedHistogram(TimeUnit.SECONDS.toMicros(120), 3);
      AtomicBoolean measuring = new AtomicBoolean();
      long[] published = {0};
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
          FeatureStreamsService engine = FeatureStreamsService.start(FeatureStreamsConfig.from(settings));
          ConsumerLoop features = ConsumerLoop.start("bench-features",
              ConsumerLoop.sinkConsumerProperties(kafka.bootstrapServers(), "topology-bench"), Topics.USER_FEATURES,
              (consumer, records) -> {
                long now = System.nanoTime();
                for (ConsumerRecord<String, String> r : records) {
                  if (Watermark.isMarker(r.headers())) {
                    continue;
                  }
                  Long at = writtenAt.remove(Json.read(r.value(), FeatureVector.class).sourceLsn());
                  if (at != null) {
                    synchronized (published) {
                      published[0]++;
                    }
                    if (measuring.get()) {
                      latency.recordValue(Math.max(1, (now - at) / 1000));
                    }
                  }
                }
              })) {
        long lsn = 1;
        // Warm-up: the engine's JIT and RocksDB caches, uncounted.
        lsn = send(producer, writtenAt, lsn, users, 10_000, 0);
        await(writtenAt, Duration.ofMinutes(5));

        long start = System.nanoTime();
        long first;
        synchronized (published) {
          first = published[0];
        }
        lsn = send(producer, writtenAt, lsn, users, backlog, 0);
        await(writtenAt, Duration.ofMinutes(30));
        double throughputSeconds = (System.nanoTime() - start) / 1e9;
        long done;
        synchronized (published) {
          done = published[0] - first;
        }

        measuring.set(true);
        send(producer, writtenAt, lsn, users, (long) (rate * seconds), rate);
        await(writtenAt, Duration.ofMinutes(5));

        System.out.println();
        System.out.printf("""
            feature engine alone (bundled definitions: %d features; exactly_once_v2; 2 partitions; 1 stream thread):
              throughput: %d inserts for %d users processed in %.1f s = %.0f changes/s
              change written -> vector published (read_committed), %.0f inserts/s for %d s:
                p50 %.1f ms   p99 %.1f ms   max %.1f ms   (%d changes)
            machine: %s
            """,
            FeatureStreamsConfig.from(settings).definitions().features().count(),
            done, users, throughputSeconds, done / throughputSeconds, rate, seconds,
            latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
            latency.getMaxValue() / 1000.0, latency.getTotalCount(),
            MachineLoad.summary());
      }
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  /** Writes {@code count} inserts (at {@code rate} per second, or as fast as possible when 0); returns the next LSN. */
  private static long send(KafkaProducer<String, String> producer, Map<Long, Long> writtenAt, long lsn, int users, long count, double rate) {
    long start = System.nanoTime();
    for (long i = 0; i < count; i++, lsn++) {
      if (rate > 0) {
        long due = start + (long) (i * 1e9 / rate);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
      }
      int user = 1 + ThreadLocalRandom.current().nextInt(users);
      writtenAt.put(lsn, System.nanoTime());
      // A user's changes on one partition, in LSN order, so each vector names its change's LSN.
      producer.send(new ProducerRecord<>(Topics.EVENTS_CHANGES, user % 2, "{\"id\":" + lsn + "}", insert(lsn, user)));
    }
    producer.flush();
    return lsn;
  }

  /** A Debezium insert into the demo's events table, dated within the last minute. */
  private static String insert(long id, int user) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    boolean purchase = r.nextInt(5) == 0;
    String row = "{\"id\":" + id + ",\"user_id\":" + user + ",\"kind\":\"" + (purchase ? "purchase" : "view")
        + "\",\"item\":\"item-" + r.nextInt(500) + "\",\"category\":\"" + CATEGORIES.get(r.nextInt(CATEGORIES.size()))
        + "\",\"author\":\"author-" + r.nextInt(50) + "\",\"amount\":" + (purchase ? "\"" + (1 + r.nextInt(300)) + ".50\"" : "null")
        + ",\"occurred_at\":\"" + Instant.now().minusMillis(r.nextInt(60_000)) + "\"}";
    return "{\"before\":null,\"after\":" + row + ",\"source\":{\"lsn\":" + id + ",\"ts_ms\":" + System.currentTimeMillis()
        + "},\"op\":\"c\"}";
  }

  private static final List<String> CATEGORIES = List.of("books", "music", "films", "games", "garden");

  /** Waits until every written change has its vector. */
  private static void await(Map<Long, Long> pending, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!pending.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(pending.size() + " changes still without a vector after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(50);
    }
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }
}
