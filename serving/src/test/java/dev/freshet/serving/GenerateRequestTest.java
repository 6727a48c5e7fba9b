package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GenerateRequestTest {
  final ServingConfig limits = ServingConfig.from(Settings.of(Map.of("cql.contact-points", "127.0.0.1:9042")));

  @Test
  void acceptsAValidBodyAndDefaultsMaxTokens() {
    GenerateRequest r = GenerateRequest.parse("{\"user_id\": 42, \"prompt\": \"recommend\"}", limits);
    assertThat(r.userId()).isEqualTo("42");
    assertThat(r.maxTokens()).isEqualTo(limits.defaultMaxTokens());
  }

  @Test
  void namesTheFieldThatIsWrong() {
    assertField("{\"prompt\": \"x\"}", "user_id");
    assertField("{\"user_id\": \"a b\", \"prompt\": \"x\"}", "user_id");
    assertField("{\"user_id\": \"1\", \"prompt\": \"  \"}", "prompt");
    assertField("{\"user_id\": \"1\", \"prompt\": 5}", "prompt");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"max_tokens\": 1000}", "max_tokens");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"max_tokens\": 1.5}", "max_tokens");
    assertField("{\"user_id\": \"1\", \"prompt\": \"" + "x".repeat(limits.promptMaxChars() + 1) + "\"}", "prompt");
  }

  @Test
  void rejectsNonObjectsAndBrokenJson() {
    for (String body : new String[] {"", "[]", "{broken", "\"text\""}) {
      assertThatThrownBy(() -> GenerateRequest.parse(body, limits))
          .isInstanceOfSatisfying(ApiError.Failure.class, f -> {
            assertThat(f.status()).isEqualTo(400);
            assertThat(f.body().error()).isEqualTo("invalid_json");
          });
    }
  }

  private void assertField(String body, String field) {
    assertThatThrownBy(() -> GenerateRequest.parse(body, limits))
        .isInstanceOfSatisfying(ApiError.Failure.class, f -> {
          assertThat(f.status()).isEqualTo(400);
          assertThat(f.body().field()).isEqualTo(field);
        });
  }

  @Test
  void minLsnIsOptionalAndValidated() {
    assertThat(GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\"}", limits).minLsn()).isNull();
    assertThat(GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\", \"min_lsn\": \"0/10\"}", limits).minLsn()).isEqualTo(16L);
    assertThatThrownBy(() -> GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\", \"min_lsn\": \"soon\"}", limits))
        .isInstanceOfSatisfying(ApiError.Failure.class, f -> assertThat(f.body().field()).isEqualTo("min_lsn"));
  }

  @Test
  void samplingIsGreedyByDefaultAndValidated() {
    GenerateRequest plain = GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\"}", limits);
    assertThat(plain.sampling().temperature()).isZero();
    assertThat(plain.sampling().topK()).isZero();
    GenerateRequest sampled = GenerateRequest.parse(
        "{\"user_id\": 1, \"prompt\": \"p\", \"temperature\": 0.8, \"top_k\": 5, \"seed\": 42}", limits);
    assertThat(sampled.sampling()).isEqualTo(new dev.freshet.serving.generator.Sampling(0.8, 5, 42));
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"temperature\": -1}", "temperature");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"temperature\": \"hot\"}", "temperature");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"temperature\": 9}", "temperature");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"top_k\": 2.5}", "top_k");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"top_k\": 5000}", "top_k");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"seed\": \"x\"}", "seed");
    assertField("{\"user_id\": 1, \"prompt\": \"p\", \"seed\": 1e30}", "seed");
  }
}
