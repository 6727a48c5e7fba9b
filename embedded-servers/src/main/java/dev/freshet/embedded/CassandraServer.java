package dev.freshet.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node CQL server: Apache Cassandra 5 from Maven Central, run as a child JVM on JDK 17.
 *
 * <p>ScyllaDB, the production store, cannot be installed on machines without Docker; Freshet speaks
 * plain CQL through the same driver to both. Cassandra never runs inside our JVM: its logging,
 * netty and JVM-wide SecurityManager clash with ours and its threads never stop.
 */
public final class CassandraServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CassandraServer.class);
  /** Cassandra 5 needs these on JDK 17 (from its conf/jvm17-server.options). */
  private static final List<String> JDK17_FLAGS = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true");

  private final Path dir;
  private final List<String> command;
  private final int nativePort;
  private volatile ChildProcess process;

  private CassandraServer(Path dir, List<String> command, int nativePort) {
    this.dir = dir;
    this.command = command;
    this.nativePort = nativePort;
  }

  /**
   * Starts a node with its data under {@code dir} and waits until CQL accepts connections. Started
   * again on the same {@code dir} after {@link #close}, it keeps its data and its ports, as a
   * restarted production node would.
   */
  public static CassandraServer start(Path dir, Duration timeout) {
    return start(dir, timeout, null);
  }

  /**
   * As {@link #start(Path, Duration)}, but clients must connect with TLS ({@code tls}'s
   * certificate) and log in (PasswordAuthenticator: the built-in superuser {@code cassandra},
   * password {@code cassandra}, until a test makes its own role), as to a production cluster.
   */
  public static CassandraServer startSecured(Path dir, Duration timeout, TestCertificates tls) {
    return start(dir, timeout, tls);
  }

  private static CassandraServer start(Path dir, Duration timeout, TestCertificates tls) {
    try {
      Files.createDirectories(dir);
      Path portsFile = dir.resolve("ports");
      if (!Files.exists(portsFile)) {
        Files.writeString(portsFile, FreePorts.pick() + " " + FreePorts.pick());
      }
      String[] ports = Files.readString(portsFile).trim().split(" ");
      int nativePort = Integer.parseInt(ports[0]);
      int storagePort = Integer.parseInt(ports[1]);
      Path yaml = dir.resolve("cassandra.yaml");
      String config = yaml(dir, nativePort, storagePort);
      if (tls != null) {
        Path keystore = dir.resolve("cql-keystore.pem"); // PEMBasedSslContextFactory: the key and its chain in one file
        Files.writeString(keystore, Files.readString(tls.key()) + Files.readString(tls.chain()));
        config = config.replace("authenticator: AllowAllAuthenticator", "authenticator: PasswordAuthenticator") + """
            client_encryption_options:
              enabled: true
              optional: false
              require_client_auth: false
              keystore: %s
              ssl_context_factory:
                class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
            """.formatted(keystore);
      }
      Files.writeString(yaml, config);
      Path logback = dir.resolve("logback.xml");
      Files.writeString(logback, resource("cassandra-logback.xml").replace("${LOG_DIR}", dir.toString()));
      Path jnaTmp = Files.createDirectories(dir.resolve("jna"));

      List<String> cmd = new ArrayList<>();
      if (Files.isExecutable(Path.of("/usr/bin/setpriv")) && "root".equals(System.getProperty("user.name"))) {
        // As root Cassandra mlocks its whole heap; without CAP_IPC_LOCK it just logs a warning.
        cmd.addAll(List.of("/usr/bin/setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"));
      }
      cmd.add(java17().toString());
      cmd.addAll(List.of("-Xms256m", "-Xmx512m", "-Xss512k", "-XX:+UseG1GC", "-XX:ActiveProcessorCount=2"));
      cmd.addAll(JDK17_FLAGS);
      cmd.addAll(List.of(
          "-Dcassandra-foreground=yes",
          "-Dcassandra.config=" + yaml.toUri(),
          "-Dcassandra.storagedir=" + dir,
          "-Dcassandra.logdir=" + dir,
          "-Dcassandra.skip_wait_for_gossip_to_settle=0",
          "-Dcassandra.shutdown_announce_in_ms=0",
          "-Dcassandra.superuser_setup_delay_ms=0",
          "-Djna.tmpdir=" + jnaTmp,
          "-Dlogback.configurationFile=" + logback,
          "-cp", classpath(),
          "org.apache.cassandra.service.CassandraDaemon"));
      CassandraServer server = new CassandraServer(dir, List.copyOf(cmd), nativePort);
      server.launch(timeout);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch(Duration timeout) {
    long started = System.nanoTime();
    process = ChildProcess.start("cassandra", command, dir.resolve("cassandra-console.log"));
    awaitReady(timeout);
    LOG.info("CQL server ready on 127.0.0.1:{} in {} ms", nativePort, (System.nanoTime() - started) / 1_000_000);
  }

  /** Stops the node (SIGTERM: it drains), leaves it down for {@code down}, and starts it again on its data and ports. */
  public void restart(Duration down, Duration timeout) {
    process.close();
    sleep(down.toMillis());
    launch(timeout);
  }

  /** Freezes the node (SIGSTOP): its sockets stay open and nothing answers, as in a network stall. */
  public void pause() {
    process.signal("STOP");
  }

  public void resume() {
    process.signal("CONT");
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Cassandra exited during start; see " + dir.resolve("cassandra-console.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", nativePort), 500);
        return;
      } catch (IOException notYet) {
        sleep(250);
      }
    }
    close();
    throw new IllegalStateException("Cassandra not ready after " + timeout + "; see " + dir.resolve("cassandra-console.log"));
  }

  public String host() {
    return "127.0.0.1";
  }

  public int nativePort() {
    return nativePort;
  }

  /** The driver's local datacenter name for this node (SimpleSnitch). */
  public String localDatacenter() {
    return "datacenter1";
  }

  @Override
  public void close() {
    process.signal("CONT"); // a paused node would not hear the SIGTERM
    process.close();
  }

  /** Cassandra 5 refuses to start on JDK 24+ (SecurityManager), so it always gets a JDK 17. */
  static Path java17() {
    Path current = Path.of(System.getProperty("java.home"), "bin", "java");
    if (Runtime.version().feature() == 17) {
      return current;
    }
    String fromEnv = System.getenv("JAVA17_HOME");
    List<Path> candidates = new ArrayList<>();
    if (fromEnv != null) {
      candidates.add(Path.of(fromEnv, "bin", "java"));
    }
    candidates.add(Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"));
    for (Path p : candidates) {
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException("the CQL server needs a JDK 17: set JAVA17_HOME");
  }

  private static String classpath() {
    String cp = resource("cassandra.classpath").trim();
    if (cp.isEmpty()) {
      throw new IllegalStateException("empty Cassandra classpath: rebuild freshet-cassandra-runtime");
    }
    return cp;
  }

  private static String resource(String name) {
    try (InputStream in = CassandraServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + CassandraServer.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String yaml(Path dir, int nativePort, int storagePort) {
    return """
        cluster_name: freshet-local
        num_tokens: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        listen_address: 127.0.0.1
        rpc_address: 127.0.0.1
        storage_port: %d
        native_transport_port: %d
        start_native_transport: true
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:%d"
        data_file_directories:
          - %s/data
        commitlog_directory: %s/commitlog
        saved_caches_directory: %s/saved_caches
        hints_directory: %s/hints
        cdc_raw_directory: %s/cdc_raw
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        concurrent_reads: 8
        concurrent_writes: 8
        concurrent_compactors: 1
        memtable_allocation_type: heap_buffers
        authenticator: AllowAllAuthenticator
        authorizer: AllowAllAuthorizer
        auto_snapshot: false
        snapshot_before_compaction: false
        dynamic_snitch: false
        """.formatted(storagePort, nativePort, storagePort, dir, dir, dir, dir, dir);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Cassandra", e);
    }
  }
}
