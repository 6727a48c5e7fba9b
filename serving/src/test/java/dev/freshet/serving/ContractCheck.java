package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.serving.api.OpenApiDocument;

/** Every answer a serving test receives, errors included, is checked against the OpenAPI document. */
final class ContractCheck {
  private static final OpenApiDocument DOCUMENT = OpenApiDocument.load();

  private ContractCheck() {}

  static void assertKept(String method, String pathAndQuery, int status, String body) {
    assertThat(DOCUMENT.problems(method, pathAndQuery.split("\\?")[0], status, body)).as("the OpenAPI contract").isEmpty();
  }
}
