package dev.freshet.common.definitions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.UserFeatures;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureDefinitionsTest {
  static final String HEADER = """
      version: 3
      entity: user
      sources:
        - name: events
          table: public.events
          primary_key: id
          entity_key: user_id
          event_time: occurred_at
          columns:
            id: long
            user_id: long
            kind: string
            amount: decimal
            occurred_at: timestamp
          features:
      """;

  @Test
  void theBundledDefinitionsLoad() {
    FeatureDefinitions d = FeatureDefinitions.bundled();
    assertThat(d.entity()).isEqualTo("user");
    SourceDefinition events = d.source("events");
    assertThat(events.topic()).isEqualTo("freshet.public.events");
    assertThat(events.allowedLateness()).isEqualTo(Duration.ofMinutes(10));
    assertThat(events.longestWindow()).isEqualTo(Duration.ofDays(30));
    assertThat(events.replicaIdentity()).isEqualTo(SourceDefinition.ReplicaIdentity.DEFAULT);
    assertThat(d.source("users").replicaIdentity()).isEqualTo(SourceDefinition.ReplicaIdentity.FULL);
    assertThat(d.features().map(FeatureDefinition::name)).as("the features serving reads").containsAll(UserFeatures.ALL);
    assertThat(d.features().map(FeatureDefinition::aggregation)).containsAll(java.util.EnumSet.allOf(Aggregation.class));
  }

  @Test
  void aFeatureIsReadWithItsFilterWindowAndSize() {
    FeatureDefinitions d = FeatureDefinitions.parse(HEADER + """
              - name: top_kinds
                aggregation: top_k
                column: kind
                k: 2
                filter: kind in ('view', 'click') and amount is null
                window: 90m
        """, "test.yaml");
    FeatureDefinition f = d.features().findFirst().orElseThrow();
    assertThat(d.version()).isEqualTo(3);
    assertThat(f.size()).isEqualTo(2);
    assertThat(f.window().length()).isEqualTo(Duration.ofMinutes(90));
    assertThat(f.window()).hasToString("90m");
    assertThat(f.filter().sql()).isEqualTo("(kind IN ('view', 'click') AND amount IS NULL)");
  }

  @Test
  void filtersFollowSqlNullRules() {
    Map<String, ColumnType> cols = Map.of("kind", ColumnType.STRING, "amount", ColumnType.DECIMAL);
    Filter f = Filter.parse("kind != 'view' or amount >= 10.5", cols);
    assertThat(f.test(Map.<String, Object>of("kind", "buy")::get)).isTrue();
    assertThat(f.test(Map.<String, Object>of("kind", "view", "amount", new BigDecimal("10.50"))::get)).isTrue();
    assertThat(f.test(Map.<String, Object>of("kind", "view", "amount", new BigDecimal("3"))::get)).isFalse();
    assertThat(f.test(Map.<String, Object>of()::get)).as("NULL compares to nothing").isFalse();
    assertThat(Filter.parse("(kind = 'it''s')", cols).test(Map.<String, Object>of("kind", "it's")::get)).isTrue();
  }

  @Test
  void errorsNameTheLineTheFeatureTheFieldAndWhatIsWrong() {
    assertError("""
              - name: spend_1h
                aggregation: sum
                column: amount
                window: 90s
        """, "test.yaml line 19: feature 'spend_1h', field 'window': '90s' is not a window; write minutes, hours or days like 30m, 1h, 7d, or 'lifetime'");
    assertError("""
              - name: spend_1h
                aggregation: sum
                column: kind
                window: 1h
        """, "line 18: feature 'spend_1h', field 'column': sum needs a long or decimal column; 'kind' is string");
    assertError("""
              - name: spend_1h
                aggregation: total
                window: 1h
        """, "line 17: feature 'spend_1h', field 'aggregation': unknown aggregation 'total' (one of: count, sum,");
    assertError("""
              - name: buys
                aggregation: count
                filter: kind = purchase
                window: 1h
        """, "line 18: feature 'buys', field 'filter': column 'kind' is string: write the value in single quotes ('purchase')");
    assertError("""
              - name: buys
                aggregation: count
                filter: knd = 'purchase'
                window: 1h
        """, "feature 'buys', field 'filter': unknown column 'knd' (declared columns: id, user_id, kind, amount, occurred_at)");
    assertError("""
              - name: buys
                aggregation: count
                windw: 1h
        """, "line 18: feature 'buys': unknown field 'windw'");
    assertError("""
              - name: buys
                aggregation: count
        """, "line 16: feature 'buys': missing field 'window'");
    assertError("""
              - name: kinds
                aggregation: count_distinct
                column: kind
                approximate: true
                window: lifetime
        """, "feature 'kinds', field 'approximate': a HyperLogLog sketch cannot forget a deleted row");
    assertError("""
              - name: kinds
                aggregation: top_k
                column: kind
                window: 40d
        """, "feature 'kinds', field 'window': '40d' is outside the supported range 1m..30d");
    assertError("""
              - name: kinds
                aggregation: top_k
                column: kind
                window: 1d
        """, "line 16: feature 'kinds': missing field 'k'");
    assertError("""
              - name: a
                aggregation: count
                window: 1h
              - name: a
                aggregation: count
                window: 2h
        """, "line 19: feature 'a' is declared twice");
  }

  @Test
  void sourceErrorsNameTheSource() {
    assertThatThrownBy(() -> FeatureDefinitions.parse(HEADER.replace("event_time: occurred_at", "event_time: amount")
        + "        - name: a\n          aggregation: count\n          window: 1h\n", "x.yaml"))
        .isInstanceOf(DefinitionException.class)
        .hasMessage("x.yaml line 8: source 'events', field 'event_time': column 'amount' is decimal; it must be a timestamp");
    assertThatThrownBy(() -> FeatureDefinitions.parse(HEADER.replace("event_time: occurred_at", "event_time: occurred_at\n    replica_identity: nothing")
        + "        - name: a\n          aggregation: count\n          window: 1h\n", "x.yaml"))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("source 'events', field 'replica_identity': 'nothing' is not one of default, full");
    assertThatThrownBy(() -> FeatureDefinitions.parse("version: 1\nentity: user\nsources: [\n", "x.yaml"))
        .isInstanceOf(DefinitionException.class).hasMessageStartingWith("x.yaml line 4: not valid YAML");
  }

  private static void assertError(String features, String expected) {
    assertThatThrownBy(() -> FeatureDefinitions.parse(HEADER + features, "test.yaml"))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining(expected);
  }
}
