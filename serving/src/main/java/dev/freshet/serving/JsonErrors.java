package dev.freshet.serving;

import dev.freshet.common.Json;
import io.javalin.config.JavalinConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every error a listener can send the documented JSON ({@link ApiError}): the handlers'
 * own failures, Javalin's (no route, wrong method, body too large) and Jetty's, which answer a
 * malformed request line or path before any handler runs. Installed on every listener of serving.
 */
final class JsonErrors {
  private static final Logger LOG = LoggerFactory.getLogger(JsonErrors.class);

  private JsonErrors() {}

  static void install(JavalinConfig cfg, long maxBodyBytes) {
    cfg.http.prefer405over404 = true;
    cfg.http.maxRequestSize = maxBodyBytes;
    cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyJsonErrorHandler()));
    cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JettyJsonErrorHandler()));
    cfg.routes.exception(ApiError.Failure.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
    cfg.routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, e.getStatus(), maxBodyBytes));
    cfg.routes.exception(Exception.class, (e, ctx) -> {
      LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiError("internal_error", null, "the server failed to answer this request; it has been logged"));
    });
    cfg.routes.error(404, ctx -> answerIfEmpty(ctx, 404, maxBodyBytes));
    cfg.routes.error(405, ctx -> answerIfEmpty(ctx, 405, maxBodyBytes));
  }

  /** A 415 unless a request with a body says it is JSON. */
  static void requireJsonBody(Context ctx) {
    String type = ctx.contentType();
    boolean json = type != null && type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals(ContentType.JSON);
    if (!json && !ctx.body().isEmpty()) {
      throw new ApiError.Failure(415, "unsupported_media_type", null,
          "the body must be JSON sent with Content-Type: application/json (got " + (type == null ? "none" : "'" + type + "'") + ")");
    }
  }

  private static void answerIfEmpty(Context ctx, int status, long maxBodyBytes) {
    if (ctx.result() == null || ctx.result().isEmpty()) {
      answer(ctx, status, maxBodyBytes);
    }
  }

  private static void answer(Context ctx, int status, long maxBodyBytes) {
    ctx.status(status).json(switch (status) {
      case 404 -> new ApiError("not_found", null, "no route " + ctx.method() + " " + ctx.path());
      case 405 -> new ApiError("method_not_allowed", null, ctx.method() + " is not allowed on " + ctx.path());
      case 413 -> new ApiError("body_too_large", null, "the request body exceeds the limit of " + maxBodyBytes
          + " bytes (http.max-body-bytes)");
      default -> generic(status, null);
    });
  }

  private static ApiError generic(int status, String reason) {
    return status == 400
        ? new ApiError("bad_request", null, "the request is malformed" + (reason == null ? "" : ": " + reason))
        : new ApiError(status < 500 ? "bad_request" : "internal_error", null, "the request could not be answered (HTTP " + status + ")");
  }

  /** Jetty's own answers (a bad URI, an illegal character, a bad message) as JSON, never its HTML page. */
  private static final class JettyJsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
        Callback callback) throws IOException {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, ContentType.JSON);
      response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      fields.put(new HttpField(HttpHeader.CONTENT_TYPE, ContentType.JSON));
      return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int status, String reason) {
      ApiError error = status == 413 ? new ApiError("body_too_large", null, "the request is too large")
          : generic(status, reason);
      return Json.write(error).getBytes(StandardCharsets.UTF_8);
    }
  }
}
