package dev.freshet.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freshet.common.Json;
import dev.freshet.serving.auth.Caller;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request on the logger {@value #LOGGER} (route it to its own file in
 * logback.xml): when, which route, status, latency, the key id (never the key), request id and trace id.
 */
final class AccessLog {
  static final String LOGGER = "freshet.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Line(Instant time, String listener, String method, String route, String path, int status,
      @JsonProperty("latency_ms") double latencyMs, @JsonProperty("key_id") String keyId,
      @JsonProperty("request_id") String requestId, @JsonProperty("trace_id") String traceId) {}

  private AccessLog() {}

  static void log(String listener, Context ctx, float executionTimeMs) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
    Caller caller = ctx.attribute(Attributes.CALLER);
    LOG.info(Json.write(new Line(Instant.now(), listener, ctx.method().name(), matched == null ? null : matched.path, ctx.path(),
        ctx.statusCode(), executionTimeMs, caller == null ? null : caller.keyId(), ctx.attribute(Attributes.REQUEST_ID), RequestTrace.traceId(ctx))));
  }
}
