package dev.freshet.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server process that cannot outlive this JVM.
 *
 * <p>The command runs under a small bash watchdog that holds a pipe from us on its stdin: when we
 * close the pipe ({@link #close()}) or this JVM dies for any reason, including SIGKILL, the read
 * ends and the watchdog sends SIGTERM to the server and waits for it, and sends SIGKILL if it has
 * not stopped {@link #STOP_GRACE_SECONDS} later.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);
  /**
   * SIGINT is ignored: Ctrl-C in a terminal reaches the whole foreground process group, and the
   * parent JVM stops its children in order itself; a watchdog killed by it would orphan its child.
   */
  private static final String IGNORE_CTRL_C = "trap '' INT; ";
  /**
   * After SIGTERM the command gets this long to stop, then SIGKILL (as systemd's TimeoutStopSec):
   * a service whose broker is gone can wait forever in its orderly shutdown.
   */
  static final int STOP_GRACE_SECONDS = 30;
  private static final String WATCHDOG = IGNORE_CTRL_C
      // A zombie still answers kill -0: "alive" means a state other than Z.
      + "alive() { local s; s=$(ps -o stat= -p \"$1\" 2>/dev/null) && [ \"${s#Z}\" = \"$s\" ]; }; "
      + "\"$@\" </dev/null & child=$!; while read -r _; do :; done; kill -TERM $child 2>/dev/null; "
      + "n=0; while alive $child && [ $n -lt " + STOP_GRACE_SECONDS * 10 + " ]; do sleep 0.1; n=$((n+1)); done; "
      + "kill -KILL $child 2>/dev/null; wait $child";

  private final String name;
  private final Process process;
  private final OutputStream lifeline;

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.lifeline = process.getOutputStream();
  }

  public static ChildProcess start(String name, List<String> command, Path logFile) {
    return start(name, command, Map.of(), logFile);
  }

  /** As {@link #start(String, List, Path)}, with {@code env} added to this JVM's environment. */
  public static ChildProcess start(String name, List<String> command, Map<String, String> env, Path logFile) {
    List<String> full = new ArrayList<>(List.of("bash", "-c", WATCHDOG, name + "-watchdog"));
    full.addAll(command);
    return launch(name, full, env, logFile);
  }

  /**
   * Ties a process we did not start ourselves (a daemonised server) to this JVM the same way:
   * when the JVM ends, the guard sends {@code signal} to {@code pid}.
   */
  public static ChildProcess guard(String name, long pid, String signal, Path logFile) {
    return launch(name + "-guard",
        List.of("bash", "-c", IGNORE_CTRL_C + "while read -r _; do :; done; kill -" + signal + " " + pid + " 2>/dev/null; exit 0"), Map.of(), logFile);
  }

  private static ChildProcess launch(String name, List<String> command, Map<String, String> env, Path logFile) {
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      LOG.info("{} started (pid {}), log: {}", name, p.pid(), logFile);
      return new ChildProcess(name, p);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILLs the command (not the watchdog), as a crash or an OOM killer would, then cleans up. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    close();
  }

  /**
   * Sends {@code signal} (a name such as {@code STOP} or {@code CONT}) to the command, not the
   * watchdog: SIGSTOP freezes a server as a network stall would, without closing its sockets.
   */
  public void signal(String signal) {
    process.descendants().forEach(p -> {
      try {
        int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
        if (rc != 0) {
          throw new IllegalStateException("kill -" + signal + " " + p.pid() + " (" + name + ") exited with " + rc);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot signal " + name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while signalling " + name, e);
      }
    });
  }

  /** Whether the command still runs (the watchdog outlives it until {@link #close()}). */
  public boolean commandAlive() {
    return process.descendants().anyMatch(ProcessHandle::isAlive);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The command's exit status, once {@link #close()} has stopped it (the watchdog passes it on). */
  public int exitValue() {
    return process.exitValue();
  }

  @Override
  public void close() {
    try {
      lifeline.close();
      if (!process.waitFor(STOP_GRACE_SECONDS + 5, TimeUnit.SECONDS)) {
        LOG.warn("{} did not stop within {} s: killing it", name, STOP_GRACE_SECONDS + 5);
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    LOG.info("{} stopped", name);
  }
}
