package dev.coproxy.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain socket, for what a real client can do but Vert.x's client will not:
 * send hop-by-hop headers, repeat a header line, stop half-way through a body, see every header line
 * of the answer. Reads time out after ten seconds so that a hanging gateway fails the test.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1 on the port. */
  public static RawHttp connect(int port) throws IOException {
    return new RawHttp(port);
  }

  /** Closes the connection with a reset (RST) instead of an orderly close. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** Writes text as is (lines must end with CRLF). */
  public RawHttp write(String text) throws IOException {
    return write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawHttp write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends a request head: the request line, the header lines given, and the blank line. */
  public RawHttp head(String requestLine, String... headerLines) throws IOException {
    StringBuilder head = new StringBuilder(requestLine).append("\r\n");
    for (String line : headerLines) {
      head.append(line).append("\r\n");
    }
    return write(head.append("\r\n").toString());
  }

  /** Reads one complete answer, framed by Content-Length, chunked encoding or the end of the connection. */
  public Response read() throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
    }
    Response head = new Response(status, headers, new byte[0]);
    byte[] body;
    if (head.header("content-length") != null) {
      body = in.readNBytes(Integer.parseInt(head.header("content-length")));
    } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
      body = chunks();
    } else if (status == 204 || status == 304) {
      body = new byte[0];
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, body);
  }

  /** True when the gateway closed the connection (a read sees its end or a reset). */
  public boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  private byte[] chunks() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line();
      int semicolon = size.indexOf(';');
      int length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
      if (length == 0) {
        while (!line().isEmpty()) {
          // trailers are not used by these tests
        }
        return body.toByteArray();
      }
      byte[] chunk = in.readNBytes(length);
      if (chunk.length < length) {
        throw new EOFException("connection ended inside a chunk");
      }
      body.write(chunk);
      line();
    }
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection ended; read so far: " + line);
      }
      if (c == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      line.append((char) c);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** An answer with every header line in order. */
  public record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {

    /** The first value of a header, by case-insensitive name, or null. */
    public String header(String name) {
      return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** Every value of a header, by case-insensitive name. */
    public List<String> headers(String name) {
      return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }
  }
}
