package dev.freshet.local;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time of this JVM by kind of thread, for benchmarks that run the broker, the topology and
 * their own clients in one process: which of them a phase's CPU went to. Threads that ended
 * between two snapshots are not counted; what the JVM spends outside Java threads (GC, JIT) is the
 * process's CPU time minus all of them.
 */
final class CpuBreakdown {
  static final String STREAM_THREADS = "stream threads";
  private static final String STREAMS_IO = "streams clients' I/O threads";
  private static final String BENCHMARK = "benchmark's producer and consumer";
  private static final String BROKER = "broker";
  private static final String JVM = "JVM (GC, JIT)";

  private final Map<String, Long> nanos;

  private CpuBreakdown(Map<String, Long> nanos) {
    this.nanos = nanos;
  }

  static CpuBreakdown now() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> nanos = new LinkedHashMap<>();
    for (String kind : new String[] {STREAM_THREADS, STREAMS_IO, BROKER, BENCHMARK, JVM}) {
      nanos.put(kind, 0L);
    }
    long javaThreads = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      long cpu = t == null ? -1 : threads.getThreadCpuTime(t.getThreadId());
      if (cpu > 0) {
        nanos.merge(kind(t.getThreadName()), cpu, Long::sum);
        javaThreads += cpu;
      }
    }
    long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    nanos.put(JVM, Math.max(0, process - javaThreads));
    return new CpuBreakdown(nanos);
  }

  private static String kind(String thread) {
    if (thread.matches(".*-StreamThread-\\d+")) {
      return STREAM_THREADS;
    }
    if (thread.contains("-StreamThread-") || thread.contains("-StateUpdater-") || thread.contains("| freshet-") || thread.contains("| bench-pass")) {
      return STREAMS_IO;
    }
    if (thread.startsWith("bench-") || thread.contains("| producer-") || thread.equals("main")) {
      return BENCHMARK;
    }
    return BROKER;
  }

  /** Cores used by each kind between {@code earlier} and this, over {@code seconds}. */
  Map<String, Double> coresSince(CpuBreakdown earlier, double seconds) {
    Map<String, Double> cores = new LinkedHashMap<>();
    nanos.forEach((kind, n) -> cores.put(kind, Math.max(0, n - earlier.nanos.getOrDefault(kind, 0L)) / 1e9 / seconds));
    return cores;
  }

  static String format(Map<String, Double> cores) {
    return cores.entrySet().stream().map(e -> String.format("%s %.2f", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
  }
}
