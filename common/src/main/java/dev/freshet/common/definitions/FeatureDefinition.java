package dev.freshet.common.definitions;

/**
 * One declared feature: {@code aggregation} of {@code column} over the rows of its source that
 * pass {@code filter} and fall in {@code window}.
 *
 * @param column null for a plain count
 * @param size k for top_k, n for last_n, otherwise 0
 * @param approximate count_distinct with a HyperLogLog sketch instead of the exact set
 */
public record FeatureDefinition(
    String name, Aggregation aggregation, String column, Filter filter, Window window, int size, boolean approximate) {}
