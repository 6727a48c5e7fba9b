package dev.freshet.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A validated {@code POST /v1/features} body: {@code {"user_ids": [...]}}, duplicates folded. */
record FeaturesRequest(List<String> userIds) {

  static FeaturesRequest parse(String body, int maxIds) {
    JsonNode ids = JsonBodies.object(body).path("user_ids");
    if (!ids.isArray() || ids.isEmpty() || ids.size() > maxIds) {
      throw ApiError.badField("user_ids", "user_ids is required: an array of 1 to " + maxIds + " user ids");
    }
    Set<String> unique = new LinkedHashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      unique.add(UserIds.validate(JsonBodies.textOrNumber(ids.get(i)), "user_ids[" + i + "]"));
    }
    return new FeaturesRequest(List.copyOf(unique));
  }
}
