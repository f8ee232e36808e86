package io.millrace.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.sql.Json;
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
            : body.startsWith("{") || body.startsWith("[") ? Json.parse(body) : null;
    return new Reply(r.statusCode(), json, r.headers().map());
  }
}
