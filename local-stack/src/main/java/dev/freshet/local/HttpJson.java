package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.serving.api.OpenApiDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A small JSON-over-HTTP client for the launcher, the benchmarks and the tests. A client of
 * serving's API (made with a key) checks every answer — errors included — against the API's
 * OpenAPI document and fails on any difference, so every test that talks to the API tests the
 * contract too.
 */
public final class HttpJson {
  private static final OpenApiDocument CONTRACT = OpenApiDocument.load();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final String baseUrl;
  private final String apiKey;
  private final OpenApiDocument contract;

  /** A client of a listener outside the API (an ops listener): no key, no contract. */
  public HttpJson(String baseUrl) {
    this(baseUrl, null, null);
  }

  /** A client of serving's API or admin listener: sends {@code Authorization: Bearer <apiKey>}, checks the contract. */
  public HttpJson(String baseUrl, String apiKey) {
    this(baseUrl, apiKey, CONTRACT);
  }

  private HttpJson(String baseUrl, String apiKey, OpenApiDocument contract) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.contract = contract;
  }

  /** The same API, another key (null: none, to see what such a request gets). */
  public HttpJson withKey(String otherKey) {
    return new HttpJson(baseUrl, otherKey, contract);
  }

  public record Response(int status, JsonNode body) {}

  public String baseUrl() {
    return baseUrl;
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET(), "GET", path);
  }

  public Response post(String path, String json) {
    return post(path, json, Map.of());
  }

  public Response post(String path, String json, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json");
    headers.forEach(b::header);
    return send(b.POST(HttpRequest.BodyPublishers.ofString(json)), "POST", path);
  }

  private Response send(HttpRequest.Builder request, String method, String path) {
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    try {
      HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (contract != null) {
        List<String> problems = contract.problems(method, path.split("\\?")[0], r.statusCode(), r.body());
        if (!problems.isEmpty()) {
          throw new IllegalStateException("the answer breaks the OpenAPI contract: " + problems);
        }
      }
      JsonNode body = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
      return new Response(r.statusCode(), body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
