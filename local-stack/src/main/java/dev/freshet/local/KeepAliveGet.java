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
 * The cheapest HTTP/1.1 GET a benchmark can make: one persistent connection, a request written
 * as bytes, the status and Content-Length read back. The JDK's HttpClient spent a whole core of
 * this 2-core box generating 2,000 requests/s, which the server under test then lacked.
 * One instance per thread.
 */
final class KeepAliveGet implements AutoCloseable {
  private final InetSocketAddress address;
  private final String host;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  KeepAliveGet(String baseUrl) {
    URI uri = URI.create(baseUrl);
    this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
    this.host = uri.getHost() + ":" + uri.getPort();
  }

  /** Returns the status code; the body is read and dropped. */
  int get(String path) throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(address, 5_000);
      socket.setSoTimeout(60_000);
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      out = socket.getOutputStream();
    }
    try {
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      for (String h = line(); !h.isEmpty(); h = line()) {
        if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Long.parseLong(h.substring(15).trim());
        }
      }
      if (length < 0) {
        throw new IOException("no Content-Length in the answer to " + path);
      }
      in.skipNBytes(length);
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
