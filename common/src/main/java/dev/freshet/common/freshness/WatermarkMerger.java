package dev.freshet.common.freshness;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Combines the markers a receiver gets from many senders into one watermark per source: the
 * minimum over the latest marker of every sender of every expected stream, known only once all
 * of them have reported. A sender's markers arrive in order on its partition, so a lower LSN
 * from the same sender (a replay after a restart) is ignored.
 */
public final class WatermarkMerger {
  private final Set<String> streams;
  private final Map<String, Map<String, long[]>> latest = new HashMap<>(); // source -> stream -> per sender
  private final Map<String, Long> emitted = new HashMap<>();

  /** @param streams the streams every source's markers must arrive on before it has a watermark */
  public WatermarkMerger(Set<String> streams) {
    this.streams = Set.copyOf(streams);
  }

  /** Takes a marker; returns the source's watermark if it is now known and higher than before. */
  public OptionalLong offer(Watermark w) {
    if (!streams.contains(w.stream()) || w.sender() < 0 || w.sender() >= w.senders()) {
      throw new IllegalArgumentException("unexpected watermark " + w + "; expected streams " + streams);
    }
    Map<String, long[]> bySource = latest.computeIfAbsent(w.source(), s -> new HashMap<>());
    long[] senders = bySource.get(w.stream());
    if (senders == null || senders.length != w.senders()) {
      senders = new long[w.senders()];
      Arrays.fill(senders, -1);
      bySource.put(w.stream(), senders);
    }
    senders[w.sender()] = Math.max(senders[w.sender()], w.lsn());
    if (bySource.size() < streams.size()) {
      return OptionalLong.empty();
    }
    long min = Long.MAX_VALUE;
    for (long[] s : bySource.values()) {
      for (long lsn : s) {
        min = Math.min(min, lsn);
      }
    }
    if (min < 0 || min <= emitted.getOrDefault(w.source(), -1L)) {
      return OptionalLong.empty();
    }
    emitted.put(w.source(), min);
    return OptionalLong.of(min);
  }
}
