package dev.freshet.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON body of every error response: a stable machine-readable {@code error} code, the
 * offending {@code field} when there is one, the scope a 403 lacked, and a sentence for humans.
 * Never a stack trace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String field, String message, @JsonProperty("required_scope") String requiredScope) {

  public ApiError(String error, String field, String message) {
    this(error, field, message, null);
  }

  /** Thrown by handlers to answer with {@code status} and this body. */
  public static final class Failure extends RuntimeException {
    private final int status;
    private final ApiError body;

    public Failure(int status, String error, String field, String message) {
      this(status, new ApiError(error, field, message));
    }

    public Failure(int status, ApiError body) {
      super(body.message());
      this.status = status;
      this.body = body;
    }

    public int status() {
      return status;
    }

    public ApiError body() {
      return body;
    }
  }

  public static Failure badField(String field, String message) {
    return new Failure(400, "invalid_request", field, message);
  }
}
