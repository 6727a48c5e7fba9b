package dev.freshet.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated {@code POST /v1/features} body: {@code {"user_ids": [...], "min_lsn": "0/16B3748"}}
 * ({@code min_lsn} optional), duplicates folded.
 */
record FeaturesRequest(List<String> userIds, Long minLsn) {

  static FeaturesRequest parse(String body, int maxIds) {
    JsonNode root = JsonBodies.object(body);
    JsonNode ids = root.path("user_ids");
    if (!ids.isArray() || ids.isEmpty() || ids.size() > maxIds) {
      throw ApiError.badField("user_ids", "user_ids is required: an array of 1 to " + maxIds + " user ids");
    }
    Set<String> unique = new LinkedHashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      unique.add(UserIds.validate(JsonBodies.textOrNumber(ids.get(i)), "user_ids[" + i + "]"));
    }
    return new FeaturesRequest(List.copyOf(unique), FreshnessGate.parse(JsonBodies.textOrNumber(root.path("min_lsn")), "min_lsn"));
  }
}
