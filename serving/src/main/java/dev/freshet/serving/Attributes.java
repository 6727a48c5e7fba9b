package dev.freshet.serving;

/** Names of what the before-handlers put on a request's context for the handlers and the access log. */
final class Attributes {
  /** The {@link dev.freshet.serving.auth.Caller}. */
  static final String CALLER = "freshet.caller";
  /** The request id: the caller's {@code X-Request-Id} when it is a sane token, else a new one. */
  static final String REQUEST_ID = "freshet.request-id";

  private Attributes() {}
}
