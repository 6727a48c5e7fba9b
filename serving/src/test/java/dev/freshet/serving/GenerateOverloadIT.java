package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real serving process (HTTP server, bundled model, batcher) with a one-place queue, hit by a
 * burst: what does not fit is refused at once with 429 JSON and Retry-After, everything else is
 * answered, nothing is lost or fails. No feature store runs, so answers are the degraded kind.
 */
class GenerateOverloadIT {
  @Test
  void aBurstBeyondTheQueueGets429AndTheRestIsAnswered(@TempDir Path dir) throws Exception {
    String key = TestKeys.all(dir.resolve("api-keys.json"));
    ServingConfig config = ServingConfig.from(Settings.of(Map.ofEntries(
        Map.entry("cql.contact-points", "127.0.0.1:1"),
        Map.entry("http.port", "0"),
        Map.entry("admin.port", "0"),
        Map.entry("ops.port", "0"),
        Map.entry("auth.keys-file", dir.resolve("api-keys.json").toString()),
        Map.entry("generation-log.enabled", "false"),
        Map.entry("generator.scratch-dir", dir.toString()),
        Map.entry("generator.queue-capacity", "1"),
        Map.entry("generator.max-batch", "1"))));
    try (ServingService serving = ServingService.start(config)) {
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serving.port() + "/v1/generate"))
            .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\": \"1\", \"prompt\": \"recommend something\", \"min_tokens\": 128, \"max_tokens\": 128}"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      int answered = 0;
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> f : burst) {
        HttpResponse<String> r = f.join();
        ContractCheck.assertKept("POST", "/v1/generate", r.statusCode(), r.body());
        JsonNode body = Json.MAPPER.readTree(r.body());
        if (r.statusCode() == 429) {
          refused++;
          assertThat(body.path("error").asText()).isEqualTo("overloaded");
          assertThat(body.path("message").asText()).contains("retry");
          assertThat(r.headers().firstValue("Retry-After")).contains("1");
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          assertThat(body.path("personalized").asBoolean()).isFalse();
          assertThat(body.path("tokens").asInt()).isEqualTo(128);
          answered++;
        }
      }
      assertThat(refused).as("40 at once into a queue of one").isPositive();
      assertThat(answered).isPositive();
    }
  }
}
