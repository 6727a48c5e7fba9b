package dev.freshet.common.definitions;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A source table captured by CDC and the features computed from it.
 *
 * @param topic the change-event topic ingest-cdc writes for this table
 * @param primaryKey the column identifying a row (its UPDATE/DELETE events are keyed by it)
 * @param entityKey the column holding the entity (user) id the features belong to
 * @param eventTime the timestamp column windows are measured in
 * @param allowedLateness how far behind the newest event time seen a new row may be and still be
 *     applied; older ones go to the dead-letter topic
 * @param columns declared columns and their types, in file order
 * @param replicaIdentity what the table's UPDATE and DELETE events carry of the old row
 */
public record SourceDefinition(
    String name,
    String table,
    String topic,
    String primaryKey,
    String entityKey,
    String eventTime,
    Duration allowedLateness,
    Map<String, ColumnType> columns,
    ReplicaIdentity replicaIdentity,
    List<FeatureDefinition> features) {

  /** PostgreSQL's replica identity of the table, as declared in the definitions. */
  public enum ReplicaIdentity {
    /** Only the key on DELETE, nothing on UPDATE: feature-streams keeps the last row per key itself. */
    DEFAULT,
    /** {@code REPLICA IDENTITY FULL}: every UPDATE and DELETE carries the whole old row. */
    FULL
  }

  /** Whether UPDATE and DELETE events carry the whole old row (replica identity full). */
  public boolean oldRowsInEvents() {
    return replicaIdentity == ReplicaIdentity.FULL;
  }

  /** Rows older than this (behind the evaluation time) can no longer change a windowed feature. */
  public Duration longestWindow() {
    return features.stream().map(FeatureDefinition::window).filter(w -> !w.isLifetime())
        .map(Window::length).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /**
   * The type of {@code feature}'s value (of each element, for a {@linkplain Aggregation#listValued
   * list}): long for counts, decimal for every avg, else the type of its column (a sum of a long
   * column is a long).
   */
  public ColumnType valueType(FeatureDefinition feature) {
    return switch (feature.aggregation()) {
      case COUNT, COUNT_DISTINCT -> ColumnType.LONG;
      case AVG -> ColumnType.DECIMAL;
      default -> columns.get(feature.column());
    };
  }

  public List<FeatureDefinition> windowed() {
    return features.stream().filter(f -> !f.window().isLifetime()).toList();
  }

  public List<FeatureDefinition> lifetime() {
    return features.stream().filter(f -> f.window().isLifetime()).toList();
  }
}
