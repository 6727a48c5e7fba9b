package dev.freshet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.embedded.CassandraServer;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.KafkaBroker;
import dev.freshet.serving.auth.KeyHashes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Puppet run converges this machine into a node that serves: {@code puppet apply} of the real
 * roles — the source PostgreSQL (Debian's package, run by {@code service}: no systemd here) and
 * the five Freshet services from the release tarballs the build made — with a Kafka broker and a
 * CQL server started by the test as the cluster's other nodes. The first run changes the node,
 * the second changes nothing; then the node works: the CDC user replicates with its password, a
 * row inserted into the Puppet-managed database becomes a served feature through the
 * Puppet-started services, and a changed setting in Hiera restarts exactly that service. Everything
 * it started is stopped afterwards; a rerun on the same machine starts from what this one left.
 *
 * <p>Needs root (packages, users, /etc, services): skipped otherwise, except under CI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PuppetConvergenceIT {
  private static final Logger LOG = LoggerFactory.getLogger(PuppetConvergenceIT.class);
  private static final List<String> SERVICES = List.of("ingest-cdc", "feature-streams", "online-sink", "offline-sink", "serving");
  private static final String VERSION = "0.1.0";
  private static final String DATABASE = "shop";
  private static final String CDC_USER = "freshet_cdc";
  /** A declared topic the test shrinks behind Puppet's back, to see the next run grow it again. */
  private static final String GROWN = "freshet.converge.grown";
  /** The test node: the source database's role first, so its publication exists before ingest-cdc starts. */
  private static final String MANIFEST = """
      include role::postgresql_source
      include freshet_fixture::application_schema
      include role::ingest_cdc, role::feature_streams, role::online_sink, role::offline_sink, role::serving
      Class['profile::postgresql_source'] -> Class['profile::ingest_cdc']
      """;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Path repo;
  private static Path work;
  private static KafkaBroker kafka;
  private static CassandraServer cql;
  private static PuppetNode node;
  private static final int pgPort = FreePorts.pick();
  private static final int httpPort = FreePorts.pick();
  private static final int adminPort = FreePorts.pick();
  private static final Map<String, Integer> opsPorts = new LinkedHashMap<>();
  private static final String cdcPassword = "cdc-" + Long.toHexString(System.nanoTime());
  private static final String token = KeyHashes.newToken("converge");
  private static final String keyHash = KeyHashes.hash(token);
  private static final String cdcVerifier = PasswordUtil.encodeScramSha256(cdcPassword.toCharArray());
  private static final Map<String, String> checksums = new LinkedHashMap<>();

  @BeforeAll
  static void startTheOtherNodes() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root && System.getenv("CI") != null) {
      throw new IllegalStateException("PuppetConvergenceIT needs root (packages, users, services), and CI runs it");
    }
    Assumptions.assumeTrue(root, "PuppetConvergenceIT needs root: skipped");
    repo = Path.of(System.getProperty("freshet.repo")).toRealPath();
    work = repo.resolve("deploy/target/convergence");
    deleteTree(work); // the broker, CQL server and Puppet's own state of an earlier run
    Files.createDirectories(work);
    node = new PuppetNode(repo.resolve("deploy/puppet"), work.resolve("puppet"));
    stopWhatAnEarlierRunLeft();
    Path artifacts = Files.createDirectories(work.resolve("artifacts"));
    String pomVersion = System.getProperty("freshet.pom-version");
    for (String service : SERVICES) {
      Path built = repo.resolve(service + "/target/freshet-" + service + "-" + pomVersion + "-release.tar.gz");
      Path release = artifacts.resolve("freshet-" + service + "-" + VERSION + ".tar.gz");
      Files.copy(built, release, StandardCopyOption.REPLACE_EXISTING);
      checksums.put(service, sha256(release));
    }
    SERVICES.forEach(s -> opsPorts.put(s, FreePorts.pick()));
    kafka = KafkaBroker.start(work.resolve("kafka"), 2);
    cql = CassandraServer.start(work.resolve("cassandra"), Duration.ofSeconds(180));
    node.data(hiera(Map.of()));
    // The services Puppet starts are daemons: if this JVM is stopped before @AfterAll, they go with it.
    Runtime.getRuntime().addShutdownHook(new Thread(PuppetConvergenceIT::stopTheNodesServices, "stop-puppet-started-services"));
  }

  @AfterAll
  static void stopEverything() {
    stopTheNodesServices();
    if (cql != null) {
      cql.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static synchronized void stopTheNodesServices() {
    if (node == null) {
      return;
    }
    try {
      for (String service : SERVICES) {
        node.service("freshet-" + service, "stop");
      }
      node.service("postgresql", "stop");
      node = null;
    } catch (IOException e) {
      LOG.error("could not stop the node's services", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @Order(1)
  void theFirstRunChangesTheNodeAndStartsEveryService() throws Exception {
    int status = node.apply(MANIFEST);
    assertThat(status).as("first apply (2 = changes, no failures):\n%s", node.lastLog()).isEqualTo(PuppetNode.CHANGED);
    for (String service : SERVICES) {
      awaitHealthy(service);
    }
    try (Admin admin = admin()) {
      assertThat(config(admin, "freshet.public.events", "cleanup.policy")).as("a change topic as declared").isEqualTo("compact");
      assertThat(config(admin, "freshet.features.user", "cleanup.policy")).isEqualTo("delete");
      assertThat(partitions(admin, GROWN)).isEqualTo(3);
    }
  }

  @Test
  @Order(2)
  void theSecondRunChangesNothing() throws Exception {
    int status = node.apply(MANIFEST);
    assertThat(status).as("second apply (0 = nothing to change):\n%s", node.lastLog()).isEqualTo(PuppetNode.UNCHANGED);
  }

  @Test
  @Order(3)
  void theCdcUserReplicatesWithItsPasswordOnly() throws Exception {
    Properties replication = new Properties();
    replication.setProperty("user", CDC_USER);
    replication.setProperty("password", cdcPassword);
    replication.setProperty("replication", "database");
    replication.setProperty("preferQueryMode", "simple");
    replication.setProperty("assumeMinServerVersion", "9.4");
    try (Connection c = DriverManager.getConnection(jdbcUrl(), replication); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("dbname")).isEqualTo(DATABASE);
    }
    replication.setProperty("password", cdcPassword + "-wrong");
    try (Connection c = DriverManager.getConnection(jdbcUrl(), replication)) {
      throw new AssertionError("a wrong password was accepted");
    } catch (SQLException e) {
      assertThat(e.getMessage()).contains("password authentication failed");
    }
  }

  @Test
  @Order(4)
  void aRowInsertedIntoTheSourceBecomesAServedFeature() throws Exception {
    long userId = 900_000_000L + System.currentTimeMillis() % 100_000_000L;
    psql("INSERT INTO users (id, name, country) VALUES (" + userId + ", 'converged', 'NL');"
        + "INSERT INTO events (user_id, kind, item, category, author, amount) VALUES (" + userId + ", 'view', 'i-1', 'books', 'a-1', NULL)");
    awaitTrue(Duration.ofSeconds(120), "user " + userId + "'s events_1h served as 1", () -> {
      JsonNode features = get("http://127.0.0.1:" + httpPort + "/v1/users/" + userId + "/features");
      return features != null && features.path("features").path("events_1h").asLong() == 1;
    });
  }

  @Test
  @Order(5)
  void aChangedSettingRestartsOnlyItsServiceAndThePublicationAndTopicsAreReconciled() throws Exception {
    Map<String, Long> before = pids();
    psql("ALTER PUBLICATION freshet DROP TABLE public.users");
    try (Admin admin = admin()) {
      assertThat(partitions(admin, GROWN)).isEqualTo(3);
      admin.deleteTopics(List.of(GROWN)).all().get();
      awaitTrue(Duration.ofSeconds(30), GROWN + " deleted", () -> !topics(admin).contains(GROWN));
      admin.createTopics(List.of(new NewTopic(GROWN, 1, (short) 1).configs(Map.of("retention.ms", "1000")))).all().get();
    }
    node.data(hiera(Map.of("online-sink.max-in-flight", "512")));
    int status = node.apply(MANIFEST);
    assertThat(status).as("apply after a Hiera change:\n%s", node.lastLog()).isEqualTo(PuppetNode.CHANGED);
    Map<String, Long> after = pids();
    for (String service : SERVICES) {
      if (service.equals("online-sink")) {
        assertThat(after.get(service)).as("online-sink restarted").isNotEqualTo(before.get(service));
      } else {
        assertThat(after.get(service)).as("%s left running", service).isEqualTo(before.get(service));
      }
    }
    assertThat(psql("SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'freshet'").trim())
        .isEqualTo("public.events,public.users");
    try (Admin admin = admin()) {
      assertThat(partitions(admin, GROWN)).as("a topic with fewer partitions than declared is grown").isEqualTo(3);
      assertThat(config(admin, GROWN, "retention.ms")).isEqualTo("604800000");
    }
    awaitHealthy("online-sink");
  }

  private static String hiera(Map<String, String> onlineSinkExtra) throws Exception {
    String onlineSink = onlineSinkExtra.entrySet().stream().map(e -> "  " + e.getKey() + ": '" + e.getValue() + "'\n").collect(Collectors.joining());
    return """
        ---
        # PuppetConvergenceIT's node: no systemd here (services by init scripts), the container keeps
        # the clock and the kernel settings; its other nodes are the test's broker and CQL server.
        profile::base::service_provider: debian
        profile::base::time_sync: false
        profile::base::sysctls: {}
        profile::freshet::artifact_base_url: 'file://%s'
        profile::freshet::release_checksums:
        %s
        profile::freshet::kafka_bootstrap_servers: '%s'
        profile::freshet::cql_contact_points: '127.0.0.1:%d'
        profile::freshet::cql_local_datacenter: '%s'
        profile::postgresql_source::listen_addresses: '127.0.0.1'
        profile::postgresql_source::port: %d
        profile::postgresql_source::cdc_hosts: ['127.0.0.1/32']
        profile::postgresql_source::replication_password_verifier: '%s'
        profile::ingest_cdc::source_password: '%s'
        profile::ingest_cdc::settings:
          source.host: 127.0.0.1
          source.port: %d
          source.database: %s
          source.user: %s
          topics.replication-factor: 1
          topics.partitions: 2
          ops.port: %d
        profile::feature_streams::settings:
          topics.replication-factor: 1
          topics.partitions: 2
          ops.port: %d
        profile::feature_streams::heap: 512m
        profile::online_sink::settings:
          ops.port: %d
        %s
        profile::offline_sink::settings:
          ops.port: %d
        profile::serving::settings:
          http.host: 127.0.0.1
          http.port: %d
          admin.port: %d
          ops.port: %d
          topics.replication-factor: 1
          generator.models-root: /var/lib/freshet/serving/models
        profile::serving::heap: 512m
        profile::kafka_topics::topics:
          freshet.public.events: {partitions: 2, replication_factor: 1, config: {cleanup.policy: compact, min.compaction.lag.ms: 604800000}}
          freshet.public.users: {partitions: 2, replication_factor: 1, config: {cleanup.policy: compact, min.compaction.lag.ms: 604800000}}
          freshet.features.user: {partitions: 2, replication_factor: 1, config: {cleanup.policy: delete, retention.ms: 604800000}}
          freshet.dead-letters: {partitions: 1, replication_factor: 1, config: {retention.ms: 2592000000}}
          freshet.generations: {partitions: 2, replication_factor: 1, config: {retention.ms: 604800000}}
          %s: {partitions: 3, replication_factor: 1, config: {retention.ms: 604800000}}
        profile::serving::api_keys:
          - {id: converge, hash: '%s', scopes: ['features:read', 'generate', 'admin']}
        freshet_fixture::application_schema::sql_file: '%s'
        freshet_fixture::application_schema::tables: ['public.users', 'public.events']
        """.formatted(work.resolve("artifacts"),
        checksums.entrySet().stream().map(e -> "  " + e.getKey() + ": '" + e.getValue() + "'").collect(Collectors.joining("\n")),
        kafka.bootstrapServers(), cql.nativePort(), cql.localDatacenter(), pgPort, cdcVerifier, cdcPassword, pgPort, DATABASE, CDC_USER,
        opsPorts.get("ingest-cdc"), opsPorts.get("feature-streams"), opsPorts.get("online-sink"), onlineSink.stripTrailing(),
        opsPorts.get("offline-sink"), httpPort, adminPort, opsPorts.get("serving"), GROWN, keyHash,
        repo.resolve("local-stack/src/main/resources/demo-schema.sql"));
  }

  /**
   * An earlier run's services (killed before its cleanup) and state tied to its broker and CQL
   * server, which this run replaces: Streams' state and the offline warehouse.
   */
  private static void stopWhatAnEarlierRunLeft() throws Exception {
    for (String service : SERVICES) {
      if (Files.exists(Path.of("/etc/init.d/freshet-" + service))) {
        node.service("freshet-" + service, "stop");
      }
    }
    for (String dir : List.of("/var/lib/freshet/feature-streams/state", "/var/lib/freshet/offline-sink/warehouse")) {
      deleteTree(Path.of(dir));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Map<String, Long> pids() throws IOException {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String service : SERVICES) {
      pids.put(service, PuppetNode.pid("freshet-" + service));
    }
    return pids;
  }

  private static Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  private static Set<String> topics(Admin admin) {
    try {
      return admin.listTopics().names().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int partitions(Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
  }

  private static String config(Admin admin, String topic, String key) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(r)).all().get().get(r).get(key).value();
  }

  private static String psql(String sql) throws Exception {
    return node.asPostgres(List.of("psql", "-p", Integer.toString(pgPort), "-d", DATABASE, "-v", "ON_ERROR_STOP=1", "-tAc", sql));
  }

  private static String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + DATABASE;
  }

  private static void awaitHealthy(String service) throws Exception {
    String url = "http://127.0.0.1:" + opsPorts.get(service) + "/health";
    awaitTrue(Duration.ofSeconds(240), service + " healthy at " + url + " (log: /var/log/freshet/" + service + "/console.log)",
        () -> status(url) == 200);
  }

  private static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static JsonNode get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static void awaitTrue(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(500);
    }
    LOG.info("{}: yes", what);
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
