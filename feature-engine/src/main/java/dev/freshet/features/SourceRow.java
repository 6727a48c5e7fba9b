package dev.freshet.features;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;

/**
 * One source row as the topology keeps it: its key (canonical text), entity and event time, and
 * the declared columns' values, parsed once at the edge into their types (String, Long,
 * BigDecimal, Instant, Boolean; null for SQL NULL). Stored and sent as {@link StateCodec#ROWS}.
 */
public record SourceRow(String source, String pk, String entity, Instant eventTime, Map<String, Object> values) implements Serializable {}
