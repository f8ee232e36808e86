package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the server does with request bodies and values it must not take: bodies over the cap
 * whatever their transfer encoding, bodies that are not JSON, repeated keys, and values PostgreSQL
 * cannot store. Every refusal is a 4xx naming the field, and writes nothing.
 */
class HttpInputTest {
  record Work(String name) {}

  static final long CAP = 64 * 1024;
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Http http;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("httpinput");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Not started: enqueued jobs stay put, so row counts change only through the API.
    node = db.builder().meterRegistry(registry).handler("work", Work.class, job -> null).build();
    node.migrate();
    server = MillraceServer.builder(node, registry).port(0).maxBodyBytes(CAP).start();
    http = new Http(server);
  }

  @AfterAll
  static void stop() {
    server.close();
    node.close();
    db.close();
  }

  static void assertRefused(Http.Reply r, int status, String field) {
    assertThat(r.status()).as(field + ": " + r.json()).isEqualTo(status);
    assertThat(r.json()).as("%s answered %s without a JSON body", field, r.status()).isNotNull();
    assertThat(r.json().get("field").asText()).as(String.valueOf(r.json())).isEqualTo(field);
    assertThat(r.json().get("error").asText()).isNotBlank();
  }

  /**
   * An endless chunked body: the server must answer 413 while the client is still sending. Read in
   * full before answering (as when only Content-Length was checked), it would never answer.
   */
  @Test
  void anEndlessChunkedBodyIsAnswered413WhileStillBeingSent() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      Thread writer =
          new Thread(
              () -> {
                byte[] data = new byte[16 * 1024];
                Arrays.fill(data, (byte) ' ');
                byte[] head =
                    (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] tail = "\r\n".getBytes(StandardCharsets.US_ASCII);
                try {
                  while (!stop.get()) {
                    out.write(head);
                    out.write(data);
                    out.write(tail);
                    written.addAndGet(data.length);
                  }
                } catch (IOException closed) {
                  // the server closed the connection after answering, or the test did
                }
              });
      writer.start();
      String answer = readResponse(socket.getInputStream());
      stop.set(true);
      socket.close();
      writer.join(30_000);
      assertThat(answer).startsWith("HTTP/1.1 413");
      assertThat(answer).containsIgnoringCase("Connection: close");
      assertThat(answer).contains("\"field\":\"body\"");
      assertThat(written.get()).isGreaterThan(CAP);
    }
    assertThat(new Http(server).get("/health").status()).isEqualTo(200);
  }

  /** The cap itself: an oversized body is refused after exactly one byte past the cap. */
  @Test
  void theCapTakesOneBytePastTheLimitAndNoMore() throws Exception {
    java.io.ByteArrayInputStream source =
        new java.io.ByteArrayInputStream(new byte[(int) (10 * CAP)]);
    jakarta.servlet.ServletInputStream capped = BodyCap.cap(servletStream(source), CAP);
    assertThat(
            org.assertj.core.api.Assertions.catchThrowableOfType(
                capped::readAllBytes, io.javalin.http.HttpResponseException.class))
        .satisfies(e -> assertThat(e.getStatus()).isEqualTo(413));
    assertThat(10 * CAP - source.available()).isEqualTo(CAP + 1);
    // A body of exactly the cap is read whole.
    byte[] exact =
        BodyCap.cap(servletStream(new java.io.ByteArrayInputStream(new byte[(int) CAP])), CAP)
            .readAllBytes();
    assertThat(exact).hasSize((int) CAP);
  }

  static jakarta.servlet.ServletInputStream servletStream(InputStream in) {
    return new jakarta.servlet.ServletInputStream() {
      @Override
      public int read() throws IOException {
        return in.read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
      }

      @Override
      public boolean isFinished() {
        return false;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(jakarta.servlet.ReadListener listener) {
        throw new UnsupportedOperationException("blocking reads only");
      }
    };
  }

  /** Status line, headers and a Content-Length body, without waiting for the connection to end. */
  /**
   * What Jetty refuses itself, before any route runs (headers too large, a chunk that is not hex),
   * is answered in the API's error shape, naming what was wrong, not with Jetty's own page.
   */
  @Test
  void jettysOwnRefusalsAreTheApisJsonErrors() throws Exception {
    String huge = "x".repeat(64 * 1024);
    String tooLarge =
        raw("GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + huge + "\r\n\r\n");
    assertThat(tooLarge).startsWith("HTTP/1.1 431");
    assertThat(tooLarge).contains("application/json").contains("\"field\":\"headers\"");
    String badChunk =
        raw(
            "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    assertThat(badChunk).startsWith("HTTP/1.1 400");
    assertThat(badChunk).contains("application/json").contains("\"field\":\"body\"");
    assertThat(badChunk).doesNotContainIgnoringCase("<html");
  }

  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return readResponse(socket.getInputStream());
    }
  }

  static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  @Test
  void aChunkedBodyUnderTheCapIsAccepted() throws Exception {
    byte[] body =
        "{\"kind\":\"work\",\"args\":{\"name\":\"chunked\"}}".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/jobs"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.ByteArrayInputStream(body)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @Test
  void bodiesMustBeJsonInUtf8() throws Exception {
    Map<String, Long> before = SchemaRows.count(db);
    String body = "{\"kind\":\"work\",\"args\":{\"name\":\"ct\"}}";
    assertRefused(http.post("/api/jobs", body, "Content-Type", "text/plain"), 415, "Content-Type");
    assertRefused(
        http.post("/api/jobs", body, "Content-Type", "application/x-www-form-urlencoded"),
        415,
        "Content-Type");
    assertRefused(
        http.post("/api/jobs", body, "Content-Type", "application/json; charset=iso-8859-1"),
        415,
        "Content-Type");
    assertRefused(
        http.post("/api/bulk/jobs/cancel", "{\"queue\":\"default\"}", "Content-Type", "text/json"),
        415,
        "Content-Type");
    assertThat(SchemaRows.count(db)).isEqualTo(before);
    assertThat(
            http.post("/api/jobs", body, "Content-Type", "application/json; charset=UTF-8")
                .status())
        .isEqualTo(201);
    // A mutation without a body needs no content type.
    assertThat(http.method("POST", "/api/queues/ct/pause").status()).isEqualTo(200);
    assertThat(http.method("POST", "/api/queues/ct/resume").status()).isEqualTo(200);
  }

  @Test
  void aReadWithAForeignCharsetIsRefusedNotDecodedDifferently() throws Exception {
    // The query string would be decoded with the declared charset: quoted, the parameter vanished
    // and the list widened to every queue; as latin1, 'é' would be read as two characters.
    for (String type :
        new String[] {
          "application/json;charset=\"UTF-8\"", "text/plain; charset=latin1", "text/plain;charset="
        }) {
      assertRefused(http.get("/api/jobs?queue=%C3%A9", "Content-Type", type), 415, "Content-Type");
    }
    assertThat(http.get("/api/jobs?queue=x", "Content-Type", "text/plain; charset=UTF-8").status())
        .isEqualTo(200);
    assertThat(http.get("/api/jobs?queue=x", "Content-Type", "text/plain").status()).isEqualTo(200);
  }

  @Test
  void repeatedKeysAndTrailingTextAreRefusedNamingTheKey() throws Exception {
    Map<String, Long> before = SchemaRows.count(db);
    assertRefused(http.post("/api/jobs", "{\"kind\":\"work\",\"kind\":\"work\"}"), 400, "kind");
    Http.Reply nested =
        http.post("/api/jobs", "{\"kind\":\"work\",\"args\":{\"to\":\"a\",\"to\":\"b\"}}");
    assertRefused(nested, 400, "args");
    assertThat(nested.json().get("error").asText()).contains("'to'", "args.to");
    assertRefused(
        http.post("/api/bulk/jobs/retry", "{\"queue\":\"a\",\"queue\":\"b\"}"), 400, "queue");
    assertRefused(http.post("/api/jobs", "{\"kind\":\"work\"} {\"kind\":\"work\"}"), 400, "body");
    assertThat(SchemaRows.count(db)).isEqualTo(before);
  }

  /**
   * Args as deep as a request may carry are answered back: the answer's envelope adds levels, and
   * Jackson's default limit on writing would have turned the stored job into a 500.
   */
  @Test
  void theDeepestArgsAcceptedAreAnsweredBack() throws Exception {
    int depth = 999; // the body itself is then 1000 deep: Jackson's limit on reading
    String args = "[".repeat(depth) + "]".repeat(depth);
    Http.Reply created =
        http.post("/api/jobs", "{\"kind\":\"work\",\"queue\":\"deep\",\"args\":" + args + "}");
    assertThat(created.status()).as(String.valueOf(created.json())).isEqualTo(201);
    long id = created.json().get("id").asLong();
    // Read as text: the answers are deeper than the test's own JSON reader goes.
    for (String path : List.of("/api/jobs/" + id, "/api/jobs?queue=deep")) {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"id\":" + id).contains("[".repeat(depth));
    }
  }

  @Test
  void unstorableValuesAre400NamingTheFieldAndWriteNothing() throws Exception {
    Map<String, Long> before = SchemaRows.count(db);
    String[][] bodies = {
      {"{\"kind\":\"work\",\"args\":{\"name\":\"a\\u0000b\"}}", "args"},
      {"{\"kind\":\"work\",\"args\":{\"na\\u0000me\":\"x\"}}", "args"},
      {"{\"kind\":\"work\",\"args\":{\"name\":\"\\ud800\"}}", "args"},
      {"{\"kind\":\"work\",\"args\":{\"n\":1e400}}", "args"},
      {"{\"kind\":\"work\",\"uniqueKey\":\"u\\u0000\"}", "uniqueKey"},
      {"{\"kind\":\"work\",\"uniqueKey\":\"\\udc00\"}", "uniqueKey"},
      {"{\"kind\":\"wo\\u0000rk\"}", "kind"},
      {"{\"kind\":\"work\",\"runAt\":\"+10000-01-01T00:00:00Z\"}", "runAt"},
      {"{\"kind\":\"work\",\"runAt\":\"0000-01-01T00:00:00Z\"}", "runAt"},
      {"{\"kind\":\"work\",\"delaySeconds\":9223372036854775807}", "delaySeconds"},
      {"{\"kind\":\"work\",\"timeoutSeconds\":9223372036854775807}", "timeoutSeconds"},
      {"{\"kind\":\"work\",\"priority\":1e309}", "priority"},
      {"{\"kind\":\"work\",\"priority\":99999999999999999999}", "priority"},
    };
    for (String[] b : bodies) {
      assertRefused(http.post("/api/jobs", b[0]), 400, b[1]);
    }
    assertRefused(
        http.post("/api/bulk/jobs/retry", "{\"createdFrom\":\"-5000-01-01T00:00:00Z\"}"),
        400,
        "createdFrom");
    assertRefused(
        http.post("/api/bulk/jobs/cancel", "{\"queue\":\"q\",\"max\":1e309}"), 400, "max");
    assertRefused(http.get("/api/jobs?createdFrom=-5000-01-01T00:00:00Z"), 400, "createdFrom");
    assertRefused(http.get("/api/jobs?createdTo=%2B10000-01-01T00:00:00Z"), 400, "createdTo");
    assertRefused(http.get("/api/jobs?limit=-1"), 400, "limit");
    assertRefused(http.get("/api/jobs?limit=99999999999"), 400, "limit");
    assertRefused(http.get("/api/jobs?queue=a%00b"), 400, "queue");
    assertRefused(http.get("/api/workflows?limit=99999999999"), 400, "limit");
    assertRefused(http.get("/api/projections/p/documents?after=a%00"), 400, "after");
    // An encoded NUL in the path is refused by Jetty before routing, in the API's error shape.
    assertRefused(http.get("/api/projections/p/documents/a%00b"), 400, "path");
    assertRefused(http.get("/api/backfills/a%00b"), 400, "path");
    assertRefused(http.post("/api/queues/a%00b/pause", ""), 400, "path");
    assertRefused(http.get("/api/jobs?limit=5&limit=6"), 400, "limit");
    assertRefused(http.get("/api/queues?raed=fast"), 400, "raed");
    // A parameter name no client could read back as a field is refused as "query", quoted.
    assertRefused(http.get("/api/jobs?tag=%09&%09=1"), 400, "query");
    assertRefused(http.get("/api/jobs?%20=1&%20=2"), 400, "query");
    assertRefused(http.get("/api/jobs?" + "n".repeat(100) + "=1"), 400, "query");
    assertRefused(http.raw("GET", "/api/jobs?limit=%zz", null, false), 400, "limit");
    assertRefused(http.raw("GET", "/api/jobs?li%zzmit=1", null, false), 400, "query");
    assertThat(SchemaRows.count(db)).isEqualTo(before);
  }

  @Test
  void aServerFaultAnswersInternalErrorWithACorrelationIdAndLogsTheRest() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger(MillraceServer.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    TestDatabase broken = TestDatabase.create("httpbroken");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Millrace brokenNode = broken.builder().meterRegistry(registry).build()) {
      brokenNode.migrate();
      try (MillraceServer s = MillraceServer.builder(brokenNode, registry).port(0).start()) {
        try (Connection c = broken.dataSource().getConnection();
            Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA \"" + broken.schema() + "\" CASCADE");
        }
        Http.Reply r = new Http(s).get("/api/jobs");
        assertThat(r.status()).isEqualTo(500);
        String error = r.json().get("error").asText();
        assertThat(error).startsWith("internal error; correlation id ");
        assertThat(r.json().toString())
            .doesNotContainIgnoringCase("sql")
            .doesNotContain("does not exist")
            .doesNotContain(broken.schema())
            .doesNotContain("Exception");
        String id = error.substring(error.lastIndexOf(' ') + 1);
        assertThat(logged.list)
            .anySatisfy(
                e -> {
                  assertThat(e.getFormattedMessage()).contains(id);
                  assertThat(e.getThrowableProxy()).isNotNull();
                });
      }
    } finally {
      log.detachAppender(logged);
      broken.close();
    }
  }
}
