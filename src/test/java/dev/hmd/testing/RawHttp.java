package dev.hmd.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, byte for byte: for requests no HTTP client would send (a NUL or
 * invalid UTF-8 in a header, a request line too long, a malformed Content-Length).
 */
public final class RawHttp {

  /** One answer: the status, the headers by lower-case name, the body as text. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private RawHttp() {
  }

  /** Sends {@code request} (bytes as they go on the wire) and reads one response. */
  public static Response exchange(int port, byte[] request) {
    return exchangeFrom("127.0.0.1", port, request);
  }

  /**
   * As {@link #exchange(int, byte[])}, from a local address of the caller's choice (another loopback address is another
   * client).
   */
  public static Response exchangeFrom(String localAddress, int port, byte[] request) {
    try (Socket socket = new Socket()) {
      socket.bind(new java.net.InetSocketAddress(localAddress, 0));
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A request from text whose chars below 256 are the bytes sent (so {@code "\u00c0"} sends the byte 0xC0). */
  public static Response exchange(int port, String request) {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static Response exchangeFrom(String localAddress, int port, String request) {
    return exchangeFrom(localAddress, port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A request with a JSON body. */
  public static String post(String target, String headerLines, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
      + "Content-Length: " + body.length + "\r\n" + headerLines + "\r\n"
        + new String(body, StandardCharsets.ISO_8859_1);
  }

  /** A GET of {@code target} (sent as is) with extra header lines, each ending in CRLF. */
  public static String get(String target, String headerLines) {
    return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + headerLines + "\r\n";
  }

  /** Reads one response from a connection the caller keeps (keep-alive). */
  public static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last = 0;
    while (last != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection closed before a response head: " + head);
      }
      head.write(b);
      last = (last << 8) | b;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = headers.get("content-length");
    if (length != null) {
      byte[] bytes = in.readNBytes(Integer.parseInt(length));
      body.write(bytes);
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body.write(chunks(in));
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  private static byte[] chunks(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      int n = Integer.parseInt(size.split(";")[0].trim(), 16);
      if (n == 0) {
        line(in);
        return out.toByteArray();
      }
      out.write(in.readNBytes(n));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
