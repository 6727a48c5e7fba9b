package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FeaturesRequestTest {

  @Test
  void idsAreValidatedAndDuplicatesFolded() {
    assertThat(FeaturesRequest.parse("{\"user_ids\": [\"7\", 8, \"7\"]}", 10).userIds()).containsExactly("7", "8");
  }

  @Test
  void badBodiesNameTheField() {
    assertField("{}", "user_ids");
    assertField("{\"user_ids\": []}", "user_ids");
    assertField("{\"user_ids\": \"7\"}", "user_ids");
    assertField("{\"user_ids\": [\"1\", \"2\", \"3\"]}", "user_ids"); // over the limit of 2
    assertField("{\"user_ids\": [\"1\", \"no spaces\"]}", "user_ids[1]");
    assertThatThrownBy(() -> FeaturesRequest.parse("[1]", 2)).isInstanceOfSatisfying(ApiError.Failure.class,
        f -> assertThat(f.body().error()).isEqualTo("invalid_json"));
  }

  private static void assertField(String body, String field) {
    assertThatThrownBy(() -> FeaturesRequest.parse(body, 2)).isInstanceOfSatisfying(ApiError.Failure.class, f -> {
      assertThat(f.status()).isEqualTo(400);
      assertThat(f.body().field()).isEqualTo(field);
    });
  }
}
