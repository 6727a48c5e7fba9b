package dev.freshet.local.chaos;

import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.local.HttpJson;
import dev.freshet.local.LocalApiKey;
import dev.freshet.embedded.ChildProcess;
import dev.freshet.embedded.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five services as production runs them: each a JVM of its own, started from its main with a
 * properties file of the kind {@code profile::freshet::service} writes, all on one run's own
 * database, topics, consumer groups, keyspace and warehouse (named after the run), so a run can
 * share servers with others. Like systemd ({@code Restart=on-failure}, {@code RestartSec=5}), an
 * instance that exits on its own is started again after 5 s; such restarts are counted.
 */
public final class ServiceFleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceFleet.class);
  public static final List<String> SERVICES = List.of("ingest-cdc", "feature-streams", "online-sink", "offline-sink", "serving");
  private static final Map<String, String> MAINS = Map.of(
      "ingest-cdc", "dev.freshet.ingest.IngestCdcService",
      "feature-streams", "dev.freshet.features.FeatureStreamsService",
      "online-sink", "dev.freshet.online.OnlineSinkService",
      "offline-sink", "dev.freshet.offline.OfflineSinkService",
      "serving", "dev.freshet.serving.ServingService");
  /** A second instance of a service runs from the same settings but its own ops port. */
  public static final String SECOND = "-2";
  private static final long RESTART_SEC = 5;
  /**
   * A feature-streams instance that (re)joins gets its tasks back at once rather than as warm-up
   * replicas first, which Kafka Streams does when a task's changelogs lag by more than this
   * (10,000 records by default) and undoes only at a probing rebalance, 10 minutes later.
   */
  public static final String RECOVERY_LAG_KEY = "streams.kafka.acceptable.recovery.lag";
  public static final String RECOVERY_LAG = "1000000000";

  private final String name;
  private final Path dir;
  private final FaultServers servers;
  private final int httpPort = FreePorts.pick();
  private final Map<String, Integer> opsPorts = new HashMap<>();
  private Path keysFile;
  private final Map<String, ChildProcess> running = new LinkedHashMap<>();
  private final Map<String, Path> configs = new HashMap<>();
  private final AtomicInteger supervisorRestarts = new AtomicInteger();
  private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fleet-supervisor");
    t.setDaemon(true);
    return t;
  });

  /** Writes the instances' config files under {@code dir}; starts nothing yet. */
  public ServiceFleet(String name, Path dir, FaultServers servers) throws IOException {
    this.name = name;
    this.dir = Files.createDirectories(dir);
    this.servers = servers;
    writeConfigs();
    supervisor.scheduleWithFixedDelay(this::restartExited, 1, 1, TimeUnit.SECONDS);
  }

  public String servingUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Serving's ops listener ({@code /ready}, {@code /metrics}). */
  public String servingOpsUrl() {
    return "http://127.0.0.1:" + opsPorts.get("serving");
  }

  /** A client of serving's API with the fleet's key. */
  public HttpJson api() {
    return new HttpJson(servingUrl(), LocalApiKey.token(keysFile));
  }

  public String topic(String suffix) {
    return name + "." + suffix;
  }

  public String database() {
    return name;
  }

  public Path warehouse() {
    return dir.resolve("warehouse");
  }

  public Path logs() {
    return dir;
  }

  public int supervisorRestarts() {
    return supervisorRestarts.get();
  }

  public synchronized void start(String instance) {
    if (running.containsKey(instance)) {
      throw new IllegalStateException(instance + " is running already");
    }
    String service = instance.endsWith(SECOND) ? instance.substring(0, instance.length() - SECOND.length()) : instance;
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), MAINS.get(service), "--config", configs.get(instance).toString()));
    running.put(instance, ChildProcess.start(name + "-" + instance, command, dir.resolve(instance + ".log")));
  }

  public void startAll() {
    SERVICES.forEach(this::start);
  }

  /** SIGKILL, as a crash or the OOM killer would. */
  public void kill(String instance) {
    take(instance).kill();
  }

  /** SIGTERM: the instance shuts down in order. */
  public void stop(String instance) {
    take(instance).close();
  }

  private synchronized ChildProcess take(String instance) {
    ChildProcess p = running.remove(instance);
    if (p == null) {
      throw new IllegalStateException(instance + " is not running");
    }
    return p;
  }

  private void restartExited() {
    List<String> exited;
    synchronized (this) {
      exited = running.entrySet().stream().filter(e -> !e.getValue().commandAlive()).map(Map.Entry::getKey).toList();
      exited.forEach(i -> running.remove(i).close());
    }
    for (String instance : exited) {
      LOG.warn("{} exited on its own; starting it again in {} s, as systemd would (see {})", instance, RESTART_SEC,
          dir.resolve(instance + ".log"));
      supervisorRestarts.incrementAndGet();
      supervisor.schedule(() -> {
        synchronized (this) {
          if (!running.containsKey(instance)) {
            start(instance);
          }
        }
      }, RESTART_SEC, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    supervisor.shutdownNow();
    List<ChildProcess> all;
    synchronized (this) {
      all = new ArrayList<>(running.values());
      running.clear();
    }
    all.forEach(ChildProcess::close);
  }

  private void writeConfigs() throws IOException {
    Path definitions = dir.resolve("features.yaml");
    String yaml = FeatureDefinitions.bundledText()
        .replace("  - name: events\n", "  - name: events\n    topic: " + topic("public.events") + "\n")
        .replace("  - name: users\n", "  - name: users\n    topic: " + topic("public.users") + "\n");
    if (!yaml.contains(topic("public.events")) || !yaml.contains(topic("public.users"))) {
      throw new IllegalStateException("the bundled definitions no longer name the sources events and users as expected");
    }
    Files.writeString(definitions, yaml);
    Map<String, String> kafka = Map.of("kafka.bootstrap-servers", servers.kafkaBootstrapServers(),
        "topics.features", topic("features.user"), "topics.dead-letters", topic("dead-letters"),
        "topics.generations", topic("generations"));
    Map<String, String> cql = Map.of("cql.contact-points", servers.cqlContactPoint(),
        "cql.local-datacenter", servers.cqlLocalDatacenter(), "cql.keyspace", name);
    write("ingest-cdc", kafka, Map.of("source.host", servers.postgresHost(), "source.port", Integer.toString(servers.postgresPort()),
        "source.database", name, "source.user", servers.postgresUser(), "source.password", servers.postgresPassword(),
        "cdc.topic-prefix", name, "cdc.slot", name, "cdc.publication", name, "cdc.offsets-topic", topic("cdc.offsets")));
    write("feature-streams", kafka, Map.of("streams.application-id", name + "-features", "streams.state-dir",
        dir.resolve("streams").toString(), "features.definitions", definitions.toString(),
        // A killed member leaves the group after the broker's minimum session (6 s) instead of 45 s.
        "streams.kafka.session.timeout.ms", "6000", RECOVERY_LAG_KEY, RECOVERY_LAG));
    // The sinks' groups likewise move a killed instance's partitions after 6 s.
    write("online-sink", kafka, cql, Map.of("online-sink.group-id", name + "-online-sink", "online-sink.session-timeout", "6s"));
    write("offline-sink", kafka, Map.of("iceberg.warehouse", warehouse().toString(), "features.definitions", definitions.toString(),
        "offline-sink.group-id", name + "-offline-sink",
        "offline-sink.commit-interval", "1s", "offline-sink.session-timeout", "6s"));
    keysFile = LocalApiKey.create(dir);
    write("serving", kafka, cql, Map.of("http.port", Integer.toString(httpPort), "admin.port", "0",
        "auth.keys-file", keysFile.toString(),
        "features-api.watermark-source", name, "generator.scratch-dir", dir.resolve("model").toString()));
  }

  @SafeVarargs
  private void write(String service, Map<String, String>... parts) throws IOException {
    Map<String, String> settings = new TreeMap<>();
    for (Map<String, String> part : parts) {
      settings.putAll(part);
    }
    for (String instance : List.of(service, service + SECOND)) {
      opsPorts.put(instance, FreePorts.pick());
      settings.put("ops.port", Integer.toString(opsPorts.get(instance)));
      Path file = dir.resolve(instance + ".properties");
      Properties p = new Properties();
      p.putAll(settings);
      try (Writer w = Files.newBufferedWriter(file)) {
        p.store(w, "freshet-" + service + " (as profile::freshet::service writes it)");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      configs.put(instance, file);
    }
  }
}
