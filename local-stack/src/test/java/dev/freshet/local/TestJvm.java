package dev.freshet.local;

import dev.freshet.embedded.ChildProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A main class of this module's test classpath in a JVM of its own, tied to this one ({@link ChildProcess}). */
final class TestJvm {
  private TestJvm() {}

  /** Runs {@code java [jvmFlags] -cp <test classpath> mainClass args}, with {@code env} added. */
  static ChildProcess start(String name, List<String> jvmFlags, String mainClass, List<String> args, Map<String, String> env,
      Path log) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    return ChildProcess.start(name, command, env, log);
  }
}
