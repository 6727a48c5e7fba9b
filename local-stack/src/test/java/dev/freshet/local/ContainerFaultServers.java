package dev.freshet.local;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.freshet.embedded.FreePorts;
import dev.freshet.local.chaos.FaultServers;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link FaultServers} on containers. Each container's port is bound to a fixed free host port,
 * so a stopped and started container keeps the address the services were configured with (the
 * broker also keeps the listener it advertised).
 */
final class ContainerFaultServers implements FaultServers {
  private static final Duration START = Duration.ofMinutes(3);
  private final KafkaContainer kafka;
  private final PostgreSQLContainer postgres;
  private final GenericContainer<?> scylla;

  private ContainerFaultServers(KafkaContainer kafka, PostgreSQLContainer postgres, GenericContainer<?> scylla) {
    this.kafka = kafka;
    this.postgres = postgres;
    this.scylla = scylla;
  }

  static ContainerFaultServers start() {
    KafkaContainer kafka = fixedPort(new KafkaContainer(DockerImageName.parse("apache/kafka:4.1.0")), 9092);
    PostgreSQLContainer postgres = fixedPort(new PostgreSQLContainer(DockerImageName.parse("postgres:17"))
        .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=8", "-c", "max_wal_senders=8"), 5432);
    GenericContainer<?> scylla = fixedPort(new GenericContainer<>(DockerImageName.parse("scylladb/scylla:6.2"))
        .withCommand("--smp", "1", "--memory", "750M", "--overprovisioned", "1", "--developer-mode", "1")
        .withExposedPorts(9042)
        .waitingFor(Wait.forLogMessage(".*Starting listening for CQL clients.*", 1).withStartupTimeout(START)), 9042);
    List.of(kafka, postgres, scylla).parallelStream().forEach(GenericContainer::start);
    return new ContainerFaultServers(kafka, postgres, scylla);
  }

  private static <C extends GenericContainer<?>> C fixedPort(C container, int port) {
    int host = FreePorts.pick();
    container.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
        .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", host), new ExposedPort(port))));
    return container;
  }

  @Override
  public String kafkaBootstrapServers() {
    return kafka.getBootstrapServers();
  }

  @Override
  public String postgresHost() {
    return postgres.getHost();
  }

  @Override
  public int postgresPort() {
    return postgres.getMappedPort(5432);
  }

  @Override
  public String postgresUser() {
    return postgres.getUsername();
  }

  @Override
  public String postgresPassword() {
    return postgres.getPassword();
  }

  @Override
  public String cqlContactPoint() {
    return scylla.getHost() + ":" + scylla.getMappedPort(9042);
  }

  @Override
  public String cqlLocalDatacenter() {
    return "datacenter1";
  }

  @Override
  public void restart(Server server, Duration down) throws InterruptedException {
    DockerClient docker = DockerClientFactory.instance().client();
    String id = container(server).getContainerId();
    docker.stopContainerCmd(id).exec();
    Thread.sleep(down.toMillis());
    docker.startContainerCmd(id).exec();
  }

  @Override
  public void pause(Server server) {
    DockerClientFactory.instance().client().pauseContainerCmd(container(server).getContainerId()).exec();
  }

  @Override
  public void resume(Server server) {
    DockerClientFactory.instance().client().unpauseContainerCmd(container(server).getContainerId()).exec();
  }

  private GenericContainer<?> container(Server server) {
    return switch (server) {
      case KAFKA -> kafka;
      case POSTGRES -> postgres;
      case CQL -> scylla;
    };
  }

  /** The broker's metrics are inside its container. */
  @Override
  public OptionalLong refusedProduceRequests() {
    return OptionalLong.empty();
  }

  @Override
  public void close() {
    List.of(scylla, kafka, postgres).forEach(GenericContainer::stop);
  }
}
