package dev.freshet.serving;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON body of every error response: a stable machine-readable {@code error} code, the
 * offending {@code field} when there is one, and a sentence for humans. Never a stack trace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String field, String message) {

  /** Thrown by handlers to answer with {@code status} and this body. */
  public static final class Failure extends RuntimeException {
    private final int status;
    private final ApiError body;

    public Failure(int status, String error, String field, String message) {
      super(message);
      this.status = status;
      this.body = new ApiError(error, field, message);
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
