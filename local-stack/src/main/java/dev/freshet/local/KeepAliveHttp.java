package dev.freshet.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The cheapest HTTP/1.1 request a benchmark can make: one persistent connection, a GET or a JSON
 * POST written as bytes, the status and Content-Length read back. The JDK's HttpClient spent a whole core of
 * this 2-core box generating 2,000 requests/s, which the server under test then lacked.
 * One instance per thread.
 */
final class KeepAliveHttp implements AutoCloseable {
  private final InetSocketAddress address;
  private final String host;
  private final String authorization;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  /** {@code apiKey} null: requests carry no {@code Authorization} header. */
  KeepAliveHttp(String baseUrl, String apiKey) {
    this.authorization = apiKey == null ? "" : "Authorization: Bearer " + apiKey + "\r\n";
    URI uri = URI.create(baseUrl);
    this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    this.host = uri.getHost() + ":" + uri.getPort();
  }

  /** Returns the status code; the body is read and dropped. */
  int get(String path) throws IOException {
    return send(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + authorization + "\r\n").getBytes(StandardCharsets.US_ASCII), path);
  }

  /** POSTs {@code json}; returns the status code, the body is read and dropped. */
  int post(String path, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + authorization + "Content-Type: application/json\r\nContent-Length: "
        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    return send(request, path);
  }

  private int send(byte[] request, String path) throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(address, 5_000);
      socket.setSoTimeout(60_000);
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      out = socket.getOutputStream();
    }
    try {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Long.parseLong(h.substring(15).trim());
        } else if (h.regionMatches(true, 0, "transfer-encoding:", 0, 18) && h.toLowerCase().contains("chunked")) {
          chunked = true;
        }
      }
      if (chunked) { // asynchronous answers may be streamed: size line, data, CRLF ... a zero-size chunk
        for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
          in.skipNBytes(size + 2);
        }
        line();
      } else if (length >= 0) {
        in.skipNBytes(length);
      } else {
        throw new IOException("neither Content-Length nor chunked in the answer to " + path);
      }
      return code;
    } catch (IOException | RuntimeException e) {
      close(); // the next call reconnects
      throw e;
    }
  }

  private String line() throws IOException {
    StringBuilder s = new StringBuilder(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("connection closed by the server");
      }
      if (c != '\r') {
        s.append((char) c);
      }
    }
    return s.toString();
  }

  @Override
  public void close() {
    try {
      if (socket != null) {
        socket.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
    socket = null;
  }
}
