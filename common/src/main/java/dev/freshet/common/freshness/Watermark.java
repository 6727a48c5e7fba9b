package dev.freshet.common.freshness;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A freshness marker: every transaction of {@code source} that committed before {@code lsn} has
 * been passed on by the sender, in order, ahead of this marker.
 *
 * <p>ingest-cdc writes one to every partition of every change topic each time its own logical
 * decoding message comes through the replication stream; the feature engine forwards the minimum
 * over all its inputs to every partition of the features topic; online-sink records, per
 * partition, the minimum it has seen once every vector before it is stored. Readers compare a
 * client's LSN with that minimum. Marker records carry the header {@link #HEADER}, so consumers
 * tell them from data without parsing.
 *
 * @param source the CDC source (its topic prefix); LSNs of different sources are unrelated
 * @param lsn a PostgreSQL LSN (byte position in the WAL)
 * @param stream which input the marker travels on, e.g. a change topic or a feature source
 * @param sender the sending partition of that stream
 * @param senders how many partitions send markers on that stream: a receiver knows a stream's
 *     watermark only when it has heard from all of them
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Watermark(String source, long lsn, String stream, int sender, int senders) {
  public static final String HEADER = "freshet-watermark";
  /** The stream name of the feature engine's markers on the features topic. */
  public static final String FEATURES_STREAM = "features";
  public static final JsonSerde<Watermark> SERDE = new JsonSerde<>(Watermark.class);

  public static boolean isMarker(Headers headers) {
    return headers != null && headers.lastHeader(HEADER) != null;
  }

  /** Headers that mark a record as a watermark marker. */
  public static Headers markerHeaders() {
    return new RecordHeaders().add(HEADER, "1".getBytes(StandardCharsets.UTF_8));
  }

  /** The same watermark, sent on by {@code sender} of {@code senders} on {@code stream}. */
  public Watermark sentBy(String stream, int sender, int senders) {
    return new Watermark(source, lsn, stream, sender, senders);
  }
}
