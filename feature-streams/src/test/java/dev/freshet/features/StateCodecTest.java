package dev.freshet.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.freshness.Watermark;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class StateCodecTest {
  static final Instant T = Instant.parse("2026-11-24T12:00:00.123456789Z");

  @Test
  void everyColumnTypeRoundTripsExactly() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("id", 42L);
    values.put("kind", "view");
    values.put("amount", new BigDecimal("-12.50"));
    values.put("at", T);
    values.put("flag", true);
    values.put("missing", null);
    SourceRow row = new SourceRow("events", "42", "7", T, values);
    SourceRow back = roundTrip(StateCodec.ROWS, row);
    assertThat(back).isEqualTo(row);
    assertThat(((BigDecimal) back.values().get("amount")).scale()).isEqualTo(2);

    Routed delta = Routed.delta(new RowDelta("7", row, null, 99, Instant.ofEpochMilli(5)));
    assertThat(roundTrip(StateCodec.ROUTED_RECORDS, delta)).isEqualTo(delta);
    Routed marker = Routed.watermark(new Watermark("freshet", 10, "events", 1, 2));
    assertThat(roundTrip(StateCodec.ROUTED_RECORDS, marker)).isEqualTo(marker);
  }

  @Test
  void entityStateRoundTrips() {
    EntityState s = new EntityState();
    s.version = 7;
    s.lsn = 6;
    s.commitTime = Instant.ofEpochMilli(1000);
    s.maxEventTime = T;
    s.dueMs = 123L;
    s.unpublished = true;
    FeatureAccumulator.Total total = new FeatureAccumulator.Total();
    total.count = 3;
    total.sum = new BigDecimal("10.25");
    s.lifetime.put("spend_lifetime", total);
    EntityState back = roundTrip(StateCodec.ENTITY_STATES, s);
    assertThat(back).usingRecursiveComparison().isEqualTo(s);
  }

  @Test
  void aRecordWrittenWithAnUnknownSchemaIsRefusedLoudly() {
    Schema other = SchemaBuilder.record("Row").namespace("dev.freshet.features.state").fields().requiredString("source").endRecord();
    GenericRecord r = new GenericData.Record(other);
    r.put("source", "events");
    byte[] bytes;
    try {
      java.nio.ByteBuffer b = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(r);
      bytes = new byte[b.remaining()];
      b.get(bytes);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertThatThrownBy(() -> StateCodec.ROWS.deserializer().deserialize("rows-events-changelog", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("cannot read Row from rows-events-changelog")
        .hasMessageContaining("another state schema");
    assertThatThrownBy(() -> StateCodec.ROWS.deserializer().deserialize("t", "{\"source\":\"json\"}".getBytes()))
        .isInstanceOf(SerializationException.class);
  }

  private static <T> T roundTrip(StateCodec<T> codec, T value) {
    return codec.deserializer().deserialize("t", codec.serializer().serialize("t", value));
  }
}
