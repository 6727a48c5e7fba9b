package dev.freshet.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks say about the machine they ran on: cores, load average, busy cores (Linux /proc). */
public final class MachineLoad {
  private MachineLoad() {}

  /** {@code "2 cores, load average 1.2 0.9 0.7 ..."}, for a report's last line. */
  public static String summary() throws IOException {
    return Runtime.getRuntime().availableProcessors() + " cores, load average " + Files.readString(Path.of("/proc/loadavg")).trim();
  }

  /** Busy and total jiffies of all CPUs so far, from /proc/stat. */
  static long[] cpuTicks() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return new long[] {total - idle, total};
  }

  /** Cores busy on average between two {@link #cpuTicks} readings. */
  static double busyCores(long[] before, long[] after) {
    return (double) (after[0] - before[0]) / (after[1] - before[1]) * Runtime.getRuntime().availableProcessors();
  }
}
