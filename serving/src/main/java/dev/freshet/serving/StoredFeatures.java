package dev.freshet.serving;

import java.time.Instant;
import java.util.Map;

/** A user's feature vector as read from the online store. */
public record StoredFeatures(
    String userId,
    Map<String, Object> features,
    Instant eventTime,
    long sourceLsn,
    Instant sourceCommitTime,
    long version,
    Instant computedAt) {}
