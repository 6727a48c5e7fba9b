package dev.freshet.features;

import dev.freshet.common.freshness.Watermark;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The binary encoding of the topology's state stores, changelogs and repartition topic: Apache
 * Avro (compact, typed, with schema resolution for evolving the records) in its single-object
 * encoding, whose header carries the writer schema's fingerprint. A record written with a schema
 * this build does not know (an older or newer build's) is refused with an error naming it, never
 * read as something else; a future schema change registers the older schemas with the decoders
 * so their records are read and resolved. Schemas: {@code src/main/resources/dev/freshet/features/state}.
 */
final class StateCodec<T> implements Serde<T> {
  private static final Schema ROW;
  private static final Schema ROUTED;
  private static final Schema ENTITY_STATE;

  static {
    Schema.Parser parser = new Schema.Parser();
    ROW = parse(parser, "row.avsc");
    ROUTED = parse(parser, "routed.avsc");
    ENTITY_STATE = parse(parser, "entity-state.avsc");
  }

  private static final Schema TIMESTAMP = ROW.getField("event_time").schema();
  private static final Schema DECIMAL = ROW.getField("values").schema().getValueType().getTypes().stream()
      .filter(t -> t.getName().equals("Decimal")).findFirst().orElseThrow();
  private static final Schema DELTA = ROUTED.getField("body").schema().getTypes().get(0);
  private static final Schema MARKER = ROUTED.getField("body").schema().getTypes().get(1);
  private static final Schema TOTAL = ENTITY_STATE.getField("lifetime").schema().getValueType();

  static final StateCodec<SourceRow> ROWS = new StateCodec<>(ROW, StateCodec::row, StateCodec::row);
  static final StateCodec<Routed> ROUTED_RECORDS = new StateCodec<>(ROUTED, StateCodec::routed, StateCodec::routed);
  static final StateCodec<EntityState> ENTITY_STATES = new StateCodec<>(ENTITY_STATE, StateCodec::entityState, StateCodec::entityState);

  private final Schema schema;
  private final BinaryMessageEncoder<GenericRecord> encoder;
  private final BinaryMessageDecoder<GenericRecord> decoder;
  private final Function<T, GenericRecord> toAvro;
  private final Function<GenericRecord, T> fromAvro;

  private StateCodec(Schema schema, Function<T, GenericRecord> toAvro, Function<GenericRecord, T> fromAvro) {
    this.schema = schema;
    this.encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
    this.decoder = new BinaryMessageDecoder<>(GenericData.get(), schema);
    this.toAvro = toAvro;
    this.fromAvro = fromAvro;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        ByteBuffer buffer = encoder.encode(toAvro.apply(value));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return fromAvro.apply(decoder.decode(bytes));
      } catch (IOException | AvroRuntimeException e) {
        throw new SerializationException("cannot read " + schema.getName() + " from " + topic + " (written by a build with "
            + "another state schema? this build reads fingerprint "
            + Long.toHexString(SchemaNormalization.parsingFingerprint64(schema)) + "): " + e, e);
      }
    };
  }

  // --- SourceRow

  private static GenericRecord row(SourceRow row) {
    GenericRecord r = new GenericData.Record(ROW);
    r.put("source", row.source());
    r.put("pk", row.pk());
    r.put("entity", row.entity());
    r.put("event_time", timestamp(row.eventTime()));
    Map<String, Object> values = new HashMap<>(row.values().size() * 2);
    row.values().forEach((column, v) -> values.put(column, value(v)));
    r.put("values", values);
    return r;
  }

  private static SourceRow row(GenericRecord r) {
    Map<String, Object> values = new LinkedHashMap<>();
    ((Map<?, ?>) r.get("values")).forEach((column, v) -> values.put(column.toString(), typed(v)));
    return new SourceRow(r.get("source").toString(), r.get("pk").toString(), r.get("entity").toString(),
        instant((GenericRecord) r.get("event_time")), values);
  }

  private static Object value(Object v) {
    if (v instanceof BigDecimal d) {
      return decimal(d);
    }
    return v instanceof Instant i ? timestamp(i) : v;
  }

  private static Object typed(Object v) {
    if (v instanceof CharSequence s) {
      return s.toString();
    }
    if (v instanceof GenericRecord r) {
      return r.getSchema().equals(TIMESTAMP) ? instant(r) : decimal(r);
    }
    return v;
  }

  private static GenericRecord timestamp(Instant t) {
    GenericRecord r = new GenericData.Record(TIMESTAMP);
    r.put("epoch_nanos", Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano()));
    return r;
  }

  private static Instant instant(GenericRecord r) {
    long nanos = (Long) r.get("epoch_nanos");
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  private static GenericRecord decimal(BigDecimal d) {
    GenericRecord r = new GenericData.Record(DECIMAL);
    r.put("unscaled", ByteBuffer.wrap(d.unscaledValue().toByteArray()));
    r.put("scale", d.scale());
    return r;
  }

  private static BigDecimal decimal(GenericRecord r) {
    ByteBuffer b = ((ByteBuffer) r.get("unscaled")).duplicate();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return new BigDecimal(new BigInteger(bytes), (Integer) r.get("scale"));
  }

  // --- Routed (repartition topic)

  private static GenericRecord routed(Routed routed) {
    GenericRecord body;
    if (routed.isWatermark()) {
      Watermark w = routed.watermark();
      body = new GenericData.Record(MARKER);
      body.put("source", w.source());
      body.put("lsn", w.lsn());
      body.put("stream", w.stream());
      body.put("sender", w.sender());
      body.put("senders", w.senders());
    } else {
      RowDelta d = routed.delta();
      body = new GenericData.Record(DELTA);
      body.put("entity", d.entity());
      body.put("before", d.before() == null ? null : row(d.before()));
      body.put("after", d.after() == null ? null : row(d.after()));
      body.put("lsn", d.lsn());
      body.put("commit_time_ms", d.commitTime() == null ? null : d.commitTime().toEpochMilli());
    }
    GenericRecord r = new GenericData.Record(ROUTED);
    r.put("body", body);
    return r;
  }

  private static Routed routed(GenericRecord r) {
    GenericRecord body = (GenericRecord) r.get("body");
    if (body.getSchema().equals(MARKER)) {
      return Routed.watermark(new Watermark(body.get("source").toString(), (Long) body.get("lsn"), body.get("stream").toString(),
          (Integer) body.get("sender"), (Integer) body.get("senders")));
    }
    Long commit = (Long) body.get("commit_time_ms");
    return Routed.delta(new RowDelta(body.get("entity").toString(),
        body.get("before") == null ? null : row((GenericRecord) body.get("before")),
        body.get("after") == null ? null : row((GenericRecord) body.get("after")),
        (Long) body.get("lsn"), commit == null ? null : Instant.ofEpochMilli(commit)));
  }

  // --- EntityState

  private static GenericRecord entityState(EntityState s) {
    GenericRecord r = new GenericData.Record(ENTITY_STATE);
    r.put("version", s.version);
    r.put("lsn", s.lsn);
    r.put("commit_time_ms", s.commitTime == null ? null : s.commitTime.toEpochMilli());
    r.put("max_event_time", s.maxEventTime == null ? null : timestamp(s.maxEventTime));
    r.put("due_ms", s.dueMs);
    r.put("unpublished", s.unpublished);
    Map<String, GenericRecord> lifetime = new HashMap<>();
    s.lifetime.forEach((feature, total) -> {
      GenericRecord t = new GenericData.Record(TOTAL);
      t.put("count", total.count);
      t.put("sum", decimal(total.sum));
      lifetime.put(feature, t);
    });
    r.put("lifetime", lifetime);
    return r;
  }

  private static EntityState entityState(GenericRecord r) {
    EntityState s = new EntityState();
    s.version = (Long) r.get("version");
    s.lsn = (Long) r.get("lsn");
    Long commit = (Long) r.get("commit_time_ms");
    s.commitTime = commit == null ? null : Instant.ofEpochMilli(commit);
    s.maxEventTime = r.get("max_event_time") == null ? null : instant((GenericRecord) r.get("max_event_time"));
    s.dueMs = (Long) r.get("due_ms");
    s.unpublished = (Boolean) r.get("unpublished");
    ((Map<?, ?>) r.get("lifetime")).forEach((feature, t) -> {
      FeatureAccumulator.Total total = new FeatureAccumulator.Total();
      total.count = (Long) ((GenericRecord) t).get("count");
      total.sum = decimal((GenericRecord) ((GenericRecord) t).get("sum"));
      s.lifetime.put(feature.toString(), total);
    });
    return s;
  }

  private static Schema parse(Schema.Parser parser, String file) {
    try (InputStream in = StateCodec.class.getResourceAsStream("state/" + file)) {
      return parser.parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
