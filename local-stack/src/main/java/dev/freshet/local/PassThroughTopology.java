package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The feature topology's shape with no features: a store keyed by primary key (the last row),
 * repartition by user, a store keyed by user (the last LSN), and a small JSON record out per
 * change. {@link TopologyBench} runs it beside the engine on the same broker and settings, so the
 * ratio between the two is the engine's own cost, with the machine's noise cancelled.
 */
final class PassThroughTopology {
  static final String OUTPUT_TOPIC = "bench.pass-through.out";

  /** What the pass-through writes for each change: enough to match it to its input. */
  record Out(long userId, long sourceLsn) {}

  private PassThroughTopology() {}

  static Topology build(String inputTopic, int partitions) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("rows"), Serdes.String(), Serdes.String()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("users"), Serdes.String(), Serdes.Long()).withCachingEnabled());
    builder.stream(inputTopic, Consumed.with(Serdes.String(), Serdes.String()))
        .process(() -> new Processor<String, String, String, String>() {
          private ProcessorContext<String, String> context;
          private KeyValueStore<String, String> rows;

          public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.rows = context.getStateStore("rows");
          }

          public void process(Record<String, String> r) {
            JsonNode event = Json.read(r.value(), JsonNode.class);
            rows.get(r.key());
            rows.put(r.key(), event.path("after").toString());
            context.forward(r.withKey(event.path("after").path("user_id").asText())
                .withValue(Long.toString(event.path("source").path("lsn").asLong())));
          }
        }, "rows")
        .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("by-user").withNumberOfPartitions(partitions))
        .process(() -> new Processor<String, String, String, String>() {
          private ProcessorContext<String, String> context;
          private KeyValueStore<String, Long> users;

          public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.users = context.getStateStore("users");
          }

          public void process(Record<String, String> r) {
            long lsn = Long.parseLong(r.value());
            Long previous = users.get(r.key());
            users.put(r.key(), previous == null ? lsn : Math.max(previous, lsn));
            context.forward(r.withValue(Json.write(new Out(Long.parseLong(r.key()), lsn))));
          }
        }, "users")
        .to(OUTPUT_TOPIC, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }
}
