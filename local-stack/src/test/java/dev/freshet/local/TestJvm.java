package dev.freshet.local;

import dev.freshet.embedded.ChildProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A main class in a JVM of its own, tied to this one ({@link ChildProcess}). */
final class TestJvm {
  private TestJvm() {}

  /** Runs {@code java [jvmFlags] -cp <test classpath> mainClass args}, with {@code env} added. */
  static ChildProcess start(String name, List<String> jvmFlags, String mainClass, List<String> args, Map<String, String> env,
      Path log) {
    return start(name, jvmFlags, System.getProperty("java.class.path"), mainClass, args, env, log);
  }

  /** Runs {@code java [jvmFlags] -cp classpath mainClass args}, with {@code env} added. */
  static ChildProcess start(String name, List<String> jvmFlags, String classpath, String mainClass, List<String> args,
      Map<String, String> env, Path log) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", classpath, mainClass));
    command.addAll(args);
    return ChildProcess.start(name, command, env, log);
  }
}
