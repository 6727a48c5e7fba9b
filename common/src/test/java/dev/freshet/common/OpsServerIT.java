package dev.freshet.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ops listener on a real socket: its two routes, and JSON for every other path or method. */
class OpsServerIT {
  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void answersItsRoutesAndJsonErrorsForTheRest() throws Exception {
    try (OpsServer ops = OpsServer.start("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        () -> new OpsServer.Health(true, "testing"))) {
      String base = "http://127.0.0.1:" + ops.port();
      assertThat(get(base + "/health").statusCode()).isEqualTo(200);
      assertThat(get(base + "/metrics").statusCode()).isEqualTo(200);
      HttpResponse<String> unknown = get(base + "/healthz");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(Json.read(unknown.body(), Map.class)).containsEntry("error", "not_found").containsKey("message");
      HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/health"))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(Json.read(post.body(), Map.class)).containsEntry("error", "method_not_allowed");
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
