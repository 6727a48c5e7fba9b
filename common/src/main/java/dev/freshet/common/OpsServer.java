package dev.freshet.common;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /health} and {@code GET /metrics} (Prometheus text) of a service, apart from any API
 * it serves (no key needed: keep it on loopback or the monitoring network). Binds the configured host (127.0.0.1 by default); port 0 picks a free port.
 */
public final class OpsServer implements AutoCloseable {
  private final HttpServer server;

  private OpsServer(HttpServer server) {
    this.server = server;
  }

  /** Health is a supplier so each probe reflects the component's current state, not its start state. */
  public static OpsServer start(String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health) {
    return start(host, port, registry, health, null);
  }

  /**
   * As {@link #start(String, int, PrometheusMeterRegistry, Supplier)}, plus {@code GET /ready} for a
   * service that stays alive but should get no traffic while a dependency is down.
   */
  public static OpsServer start(String host, int port, PrometheusMeterRegistry registry, Supplier<Health> health,
      Supplier<Health> ready) {
    Map<String, HttpHandler> routes = new HashMap<>();
    routes.put("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4", registry.scrape()));
    routes.put("/health", ex -> probe(ex, health));
    if (ready != null) {
      routes.put("/ready", ex -> probe(ex, ready));
    }
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
      server.createContext("/", ex -> route(ex, routes));
      server.start();
      return new OpsServer(server);
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind ops endpoint on " + host + ":" + port, e);
    }
  }

  private static void probe(HttpExchange ex, Supplier<Health> probe) throws IOException {
    Health h = probe.get();
    respond(ex, h.up() ? 200 : 503, "application/json", Json.write(h));
  }

  /** A GET route, or the JSON error any other path or method gets (never the JDK's HTML page). */
  private static void route(HttpExchange ex, Map<String, HttpHandler> routes) throws IOException {
    String path = ex.getRequestURI().getPath();
    HttpHandler handler = routes.get(path);
    if (handler == null) {
      respond(ex, 404, "application/json", error("not_found", "no route " + ex.getRequestMethod() + " " + path));
    } else if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
      respond(ex, 405, "application/json", error("method_not_allowed", ex.getRequestMethod() + " is not allowed on " + path));
    } else {
      handler.handle(ex);
    }
  }

  private static String error(String code, String message) {
    return Json.write(Map.of("error", code, "message", message));
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** What {@code /health} reports: up or not, and why in a few words. */
  public record Health(boolean up, String detail) {}
}
