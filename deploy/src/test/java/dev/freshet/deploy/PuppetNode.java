package dev.freshet.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This machine as a Puppet-managed node: {@code puppet apply} of a manifest with the control
 * repository's code and Hiera data under one layer of the test's own data (the values a
 * deployment supplies: hosts, ports, checksums, secrets), and the {@code service} command.
 */
final class PuppetNode {
  private static final Logger LOG = LoggerFactory.getLogger(PuppetNode.class);
  /** {@code puppet apply --detailed-exitcodes}: 0 nothing changed, 2 changes; 4 and 6 mean failures. */
  static final int UNCHANGED = 0;
  static final int CHANGED = 2;

  private final Path puppetDir;
  private final Path work;
  private final Path testData;
  private int runs;

  PuppetNode(Path puppetDir, Path work) throws IOException {
    this.puppetDir = puppetDir;
    this.work = Files.createDirectories(work);
    this.testData = work.resolve("hiera/node.yaml");
    Files.createDirectories(testData.getParent());
    Files.writeString(work.resolve("hiera.yaml"), """
        ---
        version: 5
        defaults:
          data_hash: yaml_data
        hierarchy:
          - name: "This test's node"
            datadir: %s
            path: node.yaml
          - name: "Common"
            datadir: %s
            path: common.yaml
        """.formatted(testData.getParent(), puppetDir.resolve("data")));
  }

  /** Replaces the test's Hiera layer. */
  void data(String yaml) throws IOException {
    Files.writeString(testData, yaml);
  }

  /** {@code puppet apply} of {@code manifest}; returns its detailed exit code, its output in a log file. */
  int apply(String manifest) throws IOException, InterruptedException {
    runs++;
    Path log = work.resolve("puppet-apply-" + runs + ".log");
    Path modules = puppetDir.resolve("site");
    Path fixtures = puppetDir.resolve("spec/fixtures/modules");
    List<String> command = List.of("puppet", "apply", "--detailed-exitcodes", "--color=false",
        "--confdir", work.resolve("conf").toString(), "--vardir", work.resolve("var").toString(),
        "--codedir", work.resolve("conf").toString(), "--hiera_config", work.resolve("hiera.yaml").toString(),
        "--modulepath", modules + ":" + fixtures + ":/usr/share/puppet/modules", "-e", manifest);
    long started = System.nanoTime();
    int status = run(command, log, Duration.ofMinutes(10));
    LOG.info("puppet apply #{}: exit {} in {} s (log {})", runs, status, (System.nanoTime() - started) / 1_000_000_000, log);
    return status;
  }

  /** The output of the latest apply, to explain a failed expectation. */
  String lastLog() throws IOException {
    return Files.readString(work.resolve("puppet-apply-" + runs + ".log"));
  }

  /** {@code service NAME ACTION}; returns its exit code. */
  int service(String name, String action) throws IOException, InterruptedException {
    return run(List.of("service", name, action), work.resolve("service-" + name + "-" + action + ".log"), Duration.ofMinutes(2));
  }

  /** The PID a service's init script recorded, or -1 when it has none. */
  static long pid(String service) throws IOException {
    Path file = Path.of("/run", service + ".pid");
    return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : -1;
  }

  /** Runs {@code command} as the postgres OS user (peer authentication), e.g. psql. */
  String asPostgres(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    full.addAll(command);
    Path out = work.resolve("as-postgres.out");
    int status = run(full, out, Duration.ofMinutes(1));
    String output = Files.readString(out, StandardCharsets.UTF_8);
    if (status != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + status + "): " + output);
    }
    return output;
  }

  private static int run(List<String> command, Path log, Duration timeout) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + " did not finish in " + timeout + " (see " + log + ")");
    }
    return p.exitValue();
  }
}
