package dev.freshet.common;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A record a stage could not process, kept whole with the reason, on the dead-letter topic.
 * Nothing is dropped silently: an operator can read, fix and replay these.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetter(
    String stage,
    String reason,
    String sourceTopic,
    int sourcePartition,
    long sourceOffset,
    String key,
    String value,
    Instant failedAt) {

  public static final JsonSerde<DeadLetter> SERDE = new JsonSerde<>(DeadLetter.class);
}
