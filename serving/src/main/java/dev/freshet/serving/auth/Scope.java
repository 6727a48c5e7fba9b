package dev.freshet.serving.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** What an API key may do. Each route requires exactly one. */
public enum Scope {
  /** Read feature vectors and the list of models. */
  FEATURES_READ("features:read"),
  /** Run the generator ({@code POST /v1/generate}). */
  GENERATE("generate"),
  /** The admin listener: model reloads. */
  ADMIN("admin");

  private final String value;

  Scope(String value) {
    this.value = value;
  }

  @JsonValue
  public String value() {
    return value;
  }

  @JsonCreator
  public static Scope parse(String value) {
    return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown scope '" + value + "' (known: "
            + Arrays.stream(values()).map(Scope::value).toList() + ")"));
  }
}
