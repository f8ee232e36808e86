package io.millrace.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.base.Storable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A small HTTP client for the API tests: JSON answers, optional extra headers. */
final class Http {
  record Reply(int status, JsonNode json, Map<String, java.util.List<String>> headers) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /**
   * Reads answers deeper than Jackson's default limit of 1000 levels: args may be stored that deep
   * (Storable.MAX_JSON_DEPTH) and the server answers them back inside its envelopes, a few levels
   * more.
   */
  private static final ObjectMapper READER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(Storable.MAX_JSON_DEPTH + 100)
                      .build())
              .build());

  private final int port;

  Http(MillraceServer server) {
    this.port = server.port();
  }

  Reply get(String path, String... headers) throws Exception {
    return send(request(path, headers).GET().build());
  }

  Reply post(String path, String body, String... headers) throws Exception {
    return send(
        request(path, headers)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  Reply method(String method, String path, String... headers) throws Exception {
    return send(request(path, headers).method(method, HttpRequest.BodyPublishers.noBody()).build());
  }

  /**
   * A raw request with a Host header of our choosing (java.net.http refuses to set Host), to see
   * what the server does with requests addressed to another name. Returns the status code.
   */
  int rawStatus(String method, String path, String host) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII); // "HTTP/1.1 403"
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  /**
   * A request written byte by byte on a socket, for what java.net.http refuses to send (malformed
   * percent escapes, any Content-Type or none, chunked bodies). {@code headers} are "Name: value"
   * lines; the body, if any, is sent with a Content-Length or, when {@code chunked}, in chunks.
   */
  Reply raw(String method, String target, byte[] body, boolean chunked, String... headers)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      head.append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
      for (String h : headers) {
        head.append(h).append("\r\n");
      }
      if (body != null && chunked) {
        head.append("Transfer-Encoding: chunked\r\n");
      } else if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("\r\n");
      IOException writeFailure = null;
      try {
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null && chunked) {
          // Uneven chunks, so a chunk boundary can fall anywhere in the JSON.
          for (int i = 0; i < body.length; ) {
            int n = Math.min(body.length - i, 1 + (i % 7) * 1024);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, n);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            i += n;
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else if (body != null) {
          out.write(body);
        }
        out.flush();
      } catch (IOException e) {
        // The server may answer (413, 415, ...) and close before the body is all sent; its
        // answer is still there to read.
        writeFailure = e;
      }
      java.io.ByteArrayOutputStream response = new java.io.ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          response.write(buffer, 0, n);
        }
      } catch (IOException reset) {
        if (response.size() == 0) {
          if (writeFailure != null) {
            reset.addSuppressed(writeFailure);
          }
          throw reset;
        }
      }
      return parse(response.toByteArray());
    }
  }

  private static Reply parse(byte[] response) throws IOException {
    String text = new String(response, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no complete response: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].substring(9, 12));
    Map<String, java.util.List<String>> headers = new java.util.TreeMap<>();
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim();
      String value = lines[i].substring(colon + 1).trim();
      headers.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
      chunked |= name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked");
    }
    byte[] rest = java.util.Arrays.copyOfRange(response, end + 4, response.length);
    String body = new String(chunked ? dechunk(rest) : rest, StandardCharsets.UTF_8);
    JsonNode json = body.startsWith("{") || body.startsWith("[") ? READER.readTree(body) : null;
    return new Reply(status, json, headers);
  }

  private static byte[] dechunk(byte[] data) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int i = 0;
    while (true) {
      int lineEnd = i;
      while (data[lineEnd] != '\r') {
        lineEnd++;
      }
      String size = new String(data, i, lineEnd - i, StandardCharsets.US_ASCII).split(";")[0];
      int n = Integer.parseInt(size.trim(), 16);
      if (n == 0) {
        return out.toByteArray();
      }
      out.write(data, lineEnd + 2, n);
      i = lineEnd + 2 + n + 2;
    }
  }

  private HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static Reply send(HttpRequest request) throws Exception {
    HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    String body = r.body();
    JsonNode json =
        body.isEmpty()
            ? null
            : body.startsWith("{") || body.startsWith("[") ? READER.readTree(body) : null;
    return new Reply(r.statusCode(), json, r.headers().map());
  }
}
