package dev.freshet.serving.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.freshet.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The API's OpenAPI 3.1 document ({@code openapi.json} beside this code): served as is at
 * {@code /openapi.json} and as a page at {@code /docs}, and the judge of whether an answer keeps to
 * it — the status is one the operation declares (or {@code default}), and the body validates
 * against that response's JSON schema (2020-12, which OpenAPI 3.1 uses), by networknt's validator.
 */
public final class OpenApiDocument {
  private static final String RESOURCE = "/dev/freshet/serving/openapi.json";
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private final String text;
  private final JsonNode root;
  private final List<Operation> operations = new ArrayList<>();
  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();

  private record Operation(String method, String template, Pattern path, JsonNode responses) {}

  private OpenApiDocument(String text) {
    this.text = text;
    this.root = Json.read(text, JsonNode.class);
    for (Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      Pattern pattern = Pattern.compile(path.getKey().replaceAll("\\{[^}]+}", "[^/]+"));
      path.getValue().fields().forEachRemaining(op -> operations.add(
          new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), pattern, op.getValue().path("responses"))));
    }
  }

  public static OpenApiDocument load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      return new OpenApiDocument(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  public String json() {
    return text;
  }

  public JsonNode root() {
    return root;
  }

  /** The document as a page: each operation, its scope, its answers; the schemas are in {@code /openapi.json}. */
  public String html() {
    StringBuilder page = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(escape(root.path("info").path("title").asText())).append("</title><style>body{font-family:sans-serif;max-width:60em;"
            + "margin:2em auto}code{background:#eee}td{vertical-align:top;padding:0 1em 0 0}</style></head><body><h1>")
        .append(escape(root.path("info").path("title").asText())).append("</h1><p>").append(escape(root.path("info").path("description").asText()))
        .append("</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p>");
    for (Operation op : operations) {
      JsonNode node = root.path("paths").path(op.template()).path(op.method().toLowerCase(Locale.ROOT));
      page.append("<h2><code>").append(op.method()).append(' ').append(escape(op.template())).append("</code></h2><p>")
          .append(escape(node.path("summary").asText()));
      if (node.has("x-scope")) {
        page.append(" — scope <code>").append(escape(node.path("x-scope").asText())).append("</code>");
      }
      page.append("</p><table>");
      op.responses().fields().forEachRemaining(r -> page.append("<tr><td>").append(escape(r.getKey())).append("</td><td>")
          .append(escape(resolve(r.getValue()).path("description").asText())).append("</td></tr>"));
      page.append("</table>");
    }
    return page.append("</body></html>").toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /**
   * What is wrong with an answer, or nothing: the status must be declared for the operation (or
   * covered by its {@code default}), and a JSON body must validate against the declared schema.
   * A request to a path the document does not name must get an error body ({@code ApiError}).
   */
  public List<String> problems(String method, String path, int status, String body) {
    String target = method + " " + path + " -> " + status;
    Operation op = operations.stream().filter(o -> o.method().equals(method) && o.path().matcher(path).matches()).findFirst().orElse(null);
    String schemaRef;
    if (op == null) {
      schemaRef = status >= 400 ? "#/components/schemas/ApiError" : null;
      if (schemaRef == null) {
        return List.of(target + ": the document names no " + method + " " + path);
      }
    } else {
      JsonNode response = op.responses().has(Integer.toString(status)) ? op.responses().get(Integer.toString(status))
          : op.responses().get("default");
      if (response == null) {
        return List.of(target + ": status not declared for " + method + " " + op.template());
      }
      response = resolve(response);
      JsonNode schema = response.path("content").path("application/json").path("schema");
      if (schema.isMissingNode()) {
        return List.of();
      }
      schemaRef = schema.has("$ref") ? schema.get("$ref").asText() : null;
      if (schemaRef == null) {
        return List.of();
      }
    }
    JsonNode parsed;
    try {
      parsed = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return List.of(target + ": body is not JSON: " + body);
    }
    List<String> problems = new ArrayList<>();
    for (ValidationMessage m : schema(schemaRef).validate(parsed)) {
      problems.add(target + ": " + m.getMessage() + " in " + body);
    }
    return problems;
  }

  private JsonNode resolve(JsonNode node) {
    return node.has("$ref") ? root.at(node.get("$ref").asText().substring(1)) : node;
  }

  /** A schema of its own for one component: the document's schemas as its {@code $defs}. */
  private JsonSchema schema(String ref) {
    return compiled.computeIfAbsent(ref, r -> {
      ObjectNode schema = Json.MAPPER.createObjectNode();
      schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
      schema.set("$defs", Json.read(root.path("components").path("schemas").toString()
          .replace("#/components/schemas/", "#/$defs/"), JsonNode.class));
      schema.put("$ref", r.replace("#/components/schemas/", "#/$defs/"));
      return SCHEMAS.getSchema(schema);
    });
  }
}
