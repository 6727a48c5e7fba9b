package dev.freshet.local;

import dev.freshet.common.ConsumerLoop;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Json;
import dev.freshet.common.KafkaTopics;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.embedded.KafkaBroker;
import dev.freshet.features.FeatureStreamsConfig;
import dev.freshet.features.FeatureStreamsService;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The feature engine alone (feature-streams with the bundled definitions on a real KRaft broker,
 * exactly-once, RocksDB), fed Debezium-shaped change events directly, so nothing else on the box
 * competes with it; and, in the same invocation on the same broker and settings, a pass-through
 * topology of the same shape ({@link PassThroughTopology}) as the baseline:
 *
 * <ol>
 *   <li>history: {@code --history} snapshot rows per user, dated over the last 29 days (heavy users);
 *   <li>throughput: {@code --backlog} inserts for {@code --users} users are written to the change
 *       topic, then the topology is timed until every one is reflected in a published record;
 *   <li>latency: inserts at {@code --rate} per second for {@code --seconds}; for each, the time
 *       from its write to the change topic until a record of its user reflecting it (source LSN at
 *       least its own) can be read (read_committed), p50/p99/max from HdrHistogram.
 * </ol>
 *
 * Run by {@code bin/bench-topology}.
 */
public final class TopologyBench {
  private TopologyBench() {}

  /** Writes of one topology's input not yet reflected in its output, per user, in LSN order. */
  private static final class Pending {
    final Map<Long, Queue<long[]>> byUser = new ConcurrentHashMap<>();
    final AtomicLong outstanding = new AtomicLong();
    final AtomicLong reflected = new AtomicLong();
    final Histogram latency = new SynchronizedHistogram(TimeUnit.SECONDS.toMicros(120), 3);
    final AtomicBoolean measuring = new AtomicBoolean();

    void written(long user, long lsn) {
      outstanding.incrementAndGet();
      byUser.computeIfAbsent(user, u -> new ConcurrentLinkedQueue<>()).add(new long[] {lsn, System.nanoTime()});
    }

    /** A published record for {@code user} reflecting every change up to {@code lsn}. */
    void published(long user, long lsn, long now) {
      Queue<long[]> q = byUser.get(user);
      if (q == null) {
        return;
      }
      for (long[] head = q.peek(); head != null && head[0] <= lsn; head = q.peek()) {
        q.poll();
        outstanding.decrementAndGet();
        reflected.incrementAndGet();
        if (measuring.get()) {
          latency.recordValue(Math.max(1, (now - head[1]) / 1000));
        }
      }
    }

    void await(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (outstanding.get() > 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(outstanding.get() + " changes still not published after " + timeout.toSeconds() + " s");
        }
        Thread.sleep(20);
      }
    }
  }

  /**
   * @param cpu cores used during the throughput phase, by kind of thread of this JVM
   * @param busyCores the whole machine's busy cores meanwhile
   */
  private record Result(long throughputChanges, double throughputSeconds, Map<String, Double> cpu, double busyCores,
      Histogram latency, long changes) {
    double rate() {
      return throughputChanges / throughputSeconds;
    }
  }


  public static void main(String[] args) throws Exception {
    Settings o = Settings.fromCommandLine(args,
        "bin/bench-topology [--users N] [--history ROWS_PER_USER] [--backlog N] [--rate R] [--seconds S] [--baseline yes|no]"
            + " [--replica-identity default|full]",
        "users", "history", "backlog", "rate", "seconds", "baseline", "replica-identity");
    boolean withBaseline = !o.string("baseline", "yes").equals("no");
    int users = o.integer("users", 10_000);
    int history = o.integer("history", 0);
    int backlog = o.integer("backlog", 100_000);
    double rate = o.number("rate", 1_000);
    int seconds = o.integer("seconds", 30);

    String identity = o.string("replica-identity", "default");

    Path dir = Files.createTempDirectory("freshet-topology-bench");
    try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 2)) {
      FeatureStreamsConfig config = FeatureStreamsConfig.from(Settings.of(Map.of("kafka.bootstrap-servers", kafka.bootstrapServers(),
          "streams.state-dir", dir.resolve("streams").toString(),
          "features.definitions", definitions(dir, identity).toString())).withEnv(System.getenv()));
      String passInput = "bench.pass-through.changes";
      KafkaTopics.ensure(KafkaConnection.plaintext(kafka.bootstrapServers()), Map.of(passInput, 2, PassThroughTopology.OUTPUT_TOPIC, 2), (short) 1);

      Result baseline = null;
      Pending passPending = new Pending();
      Properties passProps = FeatureStreamsService.streamsProperties(config);
      passProps.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-pass-through");
      passProps.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("pass-through").toString());
      try (KafkaStreams pass = new KafkaStreams(PassThroughTopology.build(passInput, 2), passProps);
          ConsumerLoop out = consume(kafka, PassThroughTopology.OUTPUT_TOPIC, (r, now) -> {
            PassThroughTopology.Out v = Json.read(r.value(), PassThroughTopology.Out.class);
            passPending.published(v.userId(), v.sourceLsn(), now);
          }, passPending)) {
        if (withBaseline) {
          pass.start();
          baseline = run(kafka, passInput, passPending, users, history, backlog, rate, seconds);
        }
      }

      Result engine;
      double onChange;
      double onExpiry;
      Map<String, Long> stores;
      long heapWithout = liveHeapBytes();
      long heapWith;
      Pending enginePending = new Pending();
      try (FeatureStreamsService service = FeatureStreamsService.start(config);
          ConsumerLoop out = consume(kafka, Topics.USER_FEATURES, (r, now) -> {
            FeatureVector v = Json.read(r.value(), FeatureVector.class);
            enginePending.published(Long.parseLong(v.userId()), v.sourceLsn(), now);
          }, enginePending)) {
        engine = run(kafka, Topics.EVENTS_CHANGES, enginePending, users, history, backlog, rate, seconds);
        onChange = vectors("change");
        onExpiry = vectors("expiry");
        heapWith = liveHeapBytes();
      }

      if (baseline == null) {
        baseline = new Result(0, 1, Map.of(), 0, new Histogram(3), 0);
      }
      stores = storeSizes(kafka.bootstrapServers(), config.applicationId());
      long failedProduces = kafka.failedProduceRequests();
      long[] exactlyOnce = exactDuplicates(kafka.bootstrapServers(), config.applicationId());
      System.out.println();
      System.out.printf("""
          %d users, %d history rows each (snapshot, over the last 29 days), then %d inserts dated within the last minute;
          events source: replica_identity %s
          exactly_once_v2, 2 partitions, %s stream thread(s) per topology, commit interval %d ms
                                              changes/s    p50 ms    p99 ms    max ms   (latency at %.0f inserts/s for %d s)
            pass-through, same shape     %12.0f %9.1f %9.1f %9.1f
            feature engine (%d features) %12.0f %9.1f %9.1f %9.1f
            engine / pass-through: %.2f
            cores busy while moving the backlog: machine %.2f of %d (pass-through %.2f)
              engine:       %s
              pass-through: %s
            engine published %.0f vectors on changes and %.0f on expiries (a row leaving a window) for %d changes
            engine state, live bytes per store (from the changelogs): %s
              = %.0f bytes per user in the per-user stores, %.0f bytes per row written in the row stores (all inside the 30-day window)
            engine heap (live after a full GC, minus the same before the engine started): %.0f MB
              = %.0f bytes per row kept in memory (every row: all are inside the 30-day window), or %.0f per user
                (each the whole heap over one count; two runs with other rows per user separate the two parts)
          exactly-once check: %d records read_committed from the features topic and the row stores' changelogs, %d exact duplicates;
            the broker refused %d produce requests meanwhile (retried by the producers: at start, the retriable
            OutOfOrderSequenceException of transactions v2 on partitions with no producer state yet, KAFKA-18202)
          machine: %s
          """,
          users, history, backlog, identity,
          FeatureStreamsService.streamsProperties(config).getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"), config.commitInterval().toMillis(), rate, seconds,
          baseline.rate(), ms(baseline.latency, 50), ms(baseline.latency, 99), baseline.latency.getMaxValue() / 1000.0,
          config.definitions().features().count(),
          engine.rate(), ms(engine.latency, 50), ms(engine.latency, 99), engine.latency.getMaxValue() / 1000.0,
          engine.rate() / baseline.rate(), engine.busyCores, Runtime.getRuntime().availableProcessors(), baseline.busyCores,
          CpuBreakdown.format(engine.cpu), CpuBreakdown.format(baseline.cpu), onChange, onExpiry, engine.changes,
          stores, bytes(stores, false) / (double) users, bytes(stores, true) / (double) engine.changes,
          (heapWith - heapWithout) / 1e6, (heapWith - heapWithout) / (double) engine.changes, (heapWith - heapWithout) / (double) users,
          exactlyOnce[0], exactlyOnce[1], failedProduces, MachineLoad.summary());
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  /**
   * Records in the features topic and the row stores' changelogs (read_committed), and how many of
   * them repeat an earlier one byte for byte (same key, same value): a transaction applied twice
   * would. Every vector carries a new version, and in this insert-only workload every row is
   * written once per row store. (entity-state is left out: an entity's unchanged state may be
   * written again, e.g. at an expiry that moved nothing.)
   */
  private static long[] exactDuplicates(String bootstrap, String applicationId) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long records = 0;
    long duplicates = 0;
    try (var admin = Admin.create(c);
        var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (String topic : admin.listTopics().names().get()) {
        boolean rowStore = topic.startsWith(applicationId + "-") && topic.endsWith("-changelog")
            && topic.contains("-rows-");
        if (!topic.equals(Topics.USER_FEATURES) && !rowStore) {
          continue;
        }
        var partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Set<ByteBuffer> seen = new HashSet<>();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.value() == null || Watermark.isMarker(r.headers())) {
              continue; // deletes and markers repeat by design
            }
            records++;
            ByteBuffer both = ByteBuffer.allocate(r.key().length + r.value().length + 4).putInt(r.key().length).put(r.key()).put(r.value());
            if (!seen.add(both.flip())) {
              duplicates++;
              System.out.printf("exact duplicate in %s-%d at offset %d%n", topic, r.partition(), r.offset());
            }
          }
        }
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("cannot read the engine's topics", e);
    }
    return new long[] {records, duplicates};
  }

  /**
   * Live bytes (key + value of the latest record per key) of each state store, read from its
   * changelog topic: the state as encoded, without RocksDB's block and memtable overheads, which
   * after a short run say more about arena sizes than about the data.
   */
  private static Map<String, Long> storeSizes(String bootstrap, String applicationId) {
    Map<String, Long> sizes = new TreeMap<>();
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (var admin = Admin.create(c);
        var consumer = new KafkaConsumer<>(c,
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      String prefix = applicationId + "-";
      for (String topic : admin.listTopics().names().get()) {
        if (!topic.startsWith(prefix) || !topic.endsWith("-changelog")) {
          continue;
        }
        var partitions = consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<ByteBuffer, Integer> live = new HashMap<>();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            ByteBuffer key = ByteBuffer.wrap(r.key());
            if (r.value() == null) {
              live.remove(key);
            } else {
              live.put(key, r.key().length + r.value().length);
            }
          }
        }
        sizes.put(topic.substring(prefix.length(), topic.length() - "-changelog".length()),
            live.values().stream().mapToLong(Integer::longValue).sum());
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("cannot read the changelog topics", e);
    }
    return sizes;
  }

  /**
   * Heap in use after a full collection: what is live. The aggregator's in-memory aggregates are
   * the difference between this JVM with the engine running and before it started.
   */
  private static long liveHeapBytes() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Bytes of the stores holding rows ({@code rows-*}, {@code *-rows}), or of the others (per user, per source). */
  private static long bytes(Map<String, Long> stores, boolean rowStores) {
    return stores.entrySet().stream().filter(e -> e.getKey().contains("rows") == rowStores).mapToLong(Map.Entry::getValue).sum();
  }

  private static double vectors(String cause) {
    return Metrics.globalRegistry.find("freshet_features_vectors_published").tag("cause", cause).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static ConsumerLoop consume(KafkaBroker kafka, String topic, BiConsumer<ConsumerRecord<String, String>, Long> onRecord, Pending pending) {
    return ConsumerLoop.start("bench-" + topic, ConsumerLoop.sinkConsumerProperties(KafkaConnection.plaintext(kafka.bootstrapServers()), "bench-" + topic,
        ConsumerLoop.DEFAULT_SESSION_TIMEOUT), topic,
        (consumer, records) -> {
          long now = System.nanoTime();
          for (ConsumerRecord<String, String> r : records) {
            if (!Watermark.isMarker(r.headers())) {
              onRecord.accept(r, now);
            }
          }
        });
  }

  private static Result run(KafkaBroker kafka, String topic, Pending pending, int users, int history, int backlog, double rate, int seconds)
      throws InterruptedException, IOException {
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
      long lsn = 1;
      if (history > 0) {
        for (int h = 0; h < history; h++) {
          for (int user = 1; user <= users; user++, lsn++) {
            Instant at = Instant.now().minus(Duration.ofDays(29)).plusMillis(ThreadLocalRandom.current().nextLong(Duration.ofDays(29).toMillis()));
            send(producer, pending, topic, lsn, user, "r", at);
          }
        }
        producer.flush();
        pending.await(Duration.ofMinutes(30));
      }
      lsn = warmUp(producer, pending, topic, lsn, users);

      long start = System.nanoTime();
      CpuBreakdown cpuBefore = CpuBreakdown.now();
      long[] machineCpu = MachineLoad.cpuTicks();
      long first = pending.reflected.get();
      lsn = sendInserts(producer, pending, topic, lsn, users, backlog, 0, RECENT);
      pending.await(Duration.ofMinutes(30));
      double throughputSeconds = (System.nanoTime() - start) / 1e9;
      Map<String, Double> cpu = CpuBreakdown.now().coresSince(cpuBefore, throughputSeconds);
      double busyCores = MachineLoad.busyCores(machineCpu, MachineLoad.cpuTicks());
      long done = pending.reflected.get() - first;

      pending.measuring.set(true);
      sendInserts(producer, pending, topic, lsn, users, (long) (rate * seconds), rate, RECENT);
      pending.await(Duration.ofMinutes(5));
      return new Result(done, throughputSeconds, cpu, busyCores, pending.latency, lsn - 1 + (long) (rate * seconds));
    }
  }

  /** Event times of the measured inserts: within the last minute. */
  private static final Duration[] RECENT = {Duration.ZERO, Duration.ofMinutes(1)};
  /**
   * Event times of the warm-up inserts: 6 to 9 minutes back, so none of them leaves a window
   * (1 min, 5 min; the next is 1 h) while the measured phases run, which would make how long the
   * warm-up took part of the figures; and within the allowed lateness (10 min).
   */
  private static final Duration[] WARM_UP_AGES = {Duration.ofMinutes(6), Duration.ofMinutes(9)};
  private static final int WARM_UP_BATCH = 10_000;

  /** The bundled definitions, with the events source declared {@code replica_identity: identity}. */
  private static Path definitions(Path dir, String identity) throws IOException {
    String bundled = FeatureDefinitions.bundledText();
    String events = "    event_time: occurred_at\n";
    if (!bundled.contains(events)) {
      throw new IllegalStateException("the bundled definitions no longer declare events' event_time as this benchmark expects");
    }
    Path file = dir.resolve("features.yaml");
    Files.writeString(file, bundled.replace(events, events + "    replica_identity: " + identity + "\n"));
    return file;
  }
  private static final Duration WARM_UP_ROUND = Duration.ofSeconds(3);
  private static final Duration WARM_UP_MAX = Duration.ofSeconds(90);
  /** Warm when the JIT compiler spent less than this share of a round compiling. */
  private static final double WARM_JIT_SHARE = 0.05;

  /**
   * Uncounted inserts, in rounds of at least 3 s, until the JIT compiler is nearly idle:
   * broker, Kafka Streams and topology share this JVM, and on 2 cores the compiler thread took
   * most of a core for the first minute, so a short warm-up measured compilation, not the
   * topology. Returns the next LSN.
   */
  private static long warmUp(KafkaProducer<String, String> producer, Pending pending, String topic, long lsn, int users)
      throws InterruptedException {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long start = System.nanoTime();
    long inserts = 0;
    while (true) {
      long roundStart = System.nanoTime();
      long compiledMs = jit.getTotalCompilationTime();
      do {
        lsn = sendInserts(producer, pending, topic, lsn, users, WARM_UP_BATCH, 0, WARM_UP_AGES);
        pending.await(Duration.ofMinutes(5));
        inserts += WARM_UP_BATCH;
      } while (System.nanoTime() - roundStart < WARM_UP_ROUND.toNanos());
      double share = (jit.getTotalCompilationTime() - compiledMs) / ((System.nanoTime() - roundStart) / 1e6);
      if (share < WARM_JIT_SHARE || System.nanoTime() - start > WARM_UP_MAX.toNanos()) {
        System.out.printf("warm-up (%s): %d inserts in %.0f s; the JIT compiled %.0f %% of the last round%n",
            topic, inserts, (System.nanoTime() - start) / 1e9, 100 * share);
        return lsn;
      }
    }
  }

  /** Writes {@code count} inserts dated {@code ages[0]} to {@code ages[1]} back (at {@code rate} per second, or as fast as possible when 0); returns the next LSN. */
  private static long sendInserts(KafkaProducer<String, String> producer, Pending pending, String topic, long lsn, int users, long count,
      double rate, Duration[] ages) {
    long youngestMs = ages[0].toMillis();
    long spanMs = ages[1].toMillis() - youngestMs;
    long start = System.nanoTime();
    for (long i = 0; i < count; i++, lsn++) {
      if (rate > 0) {
        long due = start + (long) (i * 1e9 / rate);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait);
        }
      }
      int user = 1 + ThreadLocalRandom.current().nextInt(users);
      send(producer, pending, topic, lsn, user, "c", Instant.now().minusMillis(youngestMs + ThreadLocalRandom.current().nextLong(spanMs)));
    }
    producer.flush();
    return lsn;
  }

  private static void send(KafkaProducer<String, String> producer, Pending pending, String topic, long lsn, int user, String op, Instant at) {
    pending.written(user, lsn);
    // A user's changes on one partition, in LSN order, so a record with LSN l reflects all before it.
    producer.send(new ProducerRecord<>(topic, user % 2, "{\"id\":" + lsn + "}", change(lsn, user, op, at)));
  }

  /** A Debezium insert (or snapshot read) into the demo's events table. */
  private static String change(long id, int user, String op, Instant at) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    boolean purchase = r.nextInt(5) == 0;
    String row = "{\"id\":" + id + ",\"user_id\":" + user + ",\"kind\":\"" + (purchase ? "purchase" : "view")
        + "\",\"item\":\"item-" + r.nextInt(500) + "\",\"category\":\"" + CATEGORIES.get(r.nextInt(CATEGORIES.size()))
        + "\",\"author\":\"author-" + r.nextInt(50) + "\",\"amount\":" + (purchase ? "\"" + (1 + r.nextInt(300)) + ".50\"" : "null")
        + ",\"occurred_at\":\"" + at + "\"}";
    return "{\"before\":null,\"after\":" + row + ",\"source\":{\"lsn\":" + id + ",\"ts_ms\":" + System.currentTimeMillis()
        + "},\"op\":\"" + op + "\"}";
  }

  private static final List<String> CATEGORIES = List.of("books", "music", "films", "games", "garden");

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }
}
