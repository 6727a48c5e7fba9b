package dev.freshet.features;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.TreeMap;

/**
 * The retractable state of one lifetime feature, kept per entity. Which fields are used depends
 * on the aggregation (memory per entity in brackets):
 * count: {@code count} [O(1)]; sum, avg: {@code count} and {@code sum} [O(1)];
 * min, max, count_distinct, top_k: {@code values}, a multiset of value to occurrences
 * [O(distinct values)]; first, last, last_n: {@code ordered}, (event time, key) to value
 * [O(rows)], because retracting the latest row must reveal the one before it.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
@JsonInclude(JsonInclude.Include.NON_NULL)
final class AggregateState {
  long count;
  BigDecimal sum;
  TreeMap<String, Long> values;
  TreeMap<String, String> ordered;
}
