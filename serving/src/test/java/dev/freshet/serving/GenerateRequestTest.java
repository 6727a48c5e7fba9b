package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.Settings;
import dev.freshet.serving.generator.GruGenerator;
import dev.freshet.serving.generator.ModelRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateRequestTest {
  static final ServingConfig limits = ServingConfig.from(Settings.of(Map.of("cql.contact-points", "127.0.0.1:9042", "auth.keys-file", "unused.json",
      "generation-log.enabled", "false")));
  static ModelRegistry models;

  @BeforeAll
  static void loadModel(@TempDir Path scratch) {
    models = new ModelRegistry(List.of(new ModelRegistry.Source("default", GruGenerator.unpackBundled(scratch))), null,
        limits.batching(), new SimpleMeterRegistry());
  }

  @AfterAll
  static void closeModel() {
    models.close();
  }

  @Test
  void acceptsAValidBodyAndDefaultsMaxTokens() {
    GenerateRequest r = GenerateRequest.parse("{\"user_id\": 42, \"prompt\": \"recommend\"}", limits, models);
    assertThat(r.userId()).isEqualTo("42");
    assertThat(r.maxTokens()).as("the model's default").isEqualTo(models.current("default").defaultMaxTokens());
    assertThat(r.model()).isEqualTo("default");
    assertThat(r.timeout()).isEqualTo(limits.generateTimeout());
  }

  @Test
  void namesTheFieldThatIsWrong() {
    assertField("{\"prompt\": \"x\"}", "user_id");
    assertField("{\"user_id\": \"a b\", \"prompt\": \"x\"}", "user_id");
    assertField("{\"user_id\": \"1\", \"prompt\": \"  \"}", "prompt");
    assertField("{\"user_id\": \"1\", \"prompt\": 5}", "prompt");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"max_tokens\": 1000}", "max_tokens");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"max_tokens\": 1.5}", "max_tokens");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"model\": \"gpt-17\"}", "model");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"timeout_ms\": 0}", "timeout_ms");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"max_tokens\": 8, \"min_tokens\": 9}", "min_tokens");
    assertField("{\"user_id\": \"1\", \"prompt\": \"x\", \"timeout_ms\": 3600000}", "timeout_ms");
    assertField("{\"user_id\": \"1\", \"prompt\": \"" + "x".repeat(limits.promptMaxChars() + 1) + "\"}", "prompt");
  }

  @Test
  void rejectsNonObjectsAndBrokenJson() {
    for (String body : new String[] {"", "[]", "{broken", "\"text\""}) {
      assertThatThrownBy(() -> GenerateRequest.parse(body, limits, models))
          .isInstanceOfSatisfying(ApiError.Failure.class, f -> {
            assertThat(f.status()).isEqualTo(400);
            assertThat(f.body().error()).isEqualTo("invalid_json");
          });
    }
  }

  private void assertField(String body, String field) {
    assertThatThrownBy(() -> GenerateRequest.parse(body, limits, models))
        .isInstanceOfSatisfying(ApiError.Failure.class, f -> {
          assertThat(f.status()).isEqualTo(400);
          assertThat(f.body().field()).isEqualTo(field);
        });
  }

  @Test
  void minLsnIsOptionalAndValidated() {
    assertThat(GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\"}", limits, models).minLsn()).isNull();
    assertThat(GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\", \"min_lsn\": \"0/10\"}", limits, models).minLsn()).isEqualTo(16L);
    assertThatThrownBy(() -> GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\", \"min_lsn\": \"soon\"}", limits, models))
        .isInstanceOfSatisfying(ApiError.Failure.class, f -> assertThat(f.body().field()).isEqualTo("min_lsn"));
  }

  @Test
  void samplingIsGreedyByDefaultAndValidated() {
    GenerateRequest plain = GenerateRequest.parse("{\"user_id\": 1, \"prompt\": \"p\"}", limits, models);
    assertThat(plain.sampling().temperature()).isZero();
    assertThat(plain.sampling().topK()).isZero();
    GenerateRequest sampled = GenerateRequest.parse(
        "{\"user_id\": 1, \"prompt\": \"p\", \"temperature\": 0.8, \"top_k\": 5, \"seed\": 42}", limits, models);
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
