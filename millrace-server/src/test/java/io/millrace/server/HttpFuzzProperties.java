package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile requests against every route of the server: NUL and other control characters,
 * lone surrogates (as JSON {@code \ud800} escapes and as CESU bytes in URLs), extreme and malformed
 * numbers and instants, huge strings, deep nesting, repeated and unknown keys, wrong types, wrong
 * content types, chunked bodies. The routes come from the OpenAPI document (and {@link ApiDocsTest}
 * proves it lists every registered API route); {@link #everyRouteIsInTheFuzzTable} fails for a
 * route that is neither documented nor listed here.
 *
 * <p>For every request: no 5xx; a 4xx names a field; a 4xx writes nothing (row counts of every
 * table unchanged). Meanwhile a job's handler is running on the node; after the run a job enqueued
 * later still completes, and so does the running one once released.
 */
class HttpFuzzProperties {
  record Work(String name) {}

  /** Routes outside /api, with the parameters each takes (none). */
  static final List<String> NON_API =
      List.of("GET /health", "GET /ready", "GET /metrics", "GET /", "GET /dashboard/<asset>");

  static final long CAP = 16 * 1024;
  static final String BUSY = "busy";
  static final CountDownLatch running = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Http http;
  static long blockedJob;
  static List<Route> routes;
  static Map<String, JsonNode> schemas;

  record Param(String name, String in, JsonNode schema) {}

  record Route(String method, String path, List<Param> params, String body) {
    String key() {
      return method + " " + path;
    }
  }

  @BeforeContainer
  static void start() throws Exception {
    db = TestDatabase.create("httpfuzz");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Only the "busy" queue is worked: jobs the fuzz manages to enqueue elsewhere stay put, so
    // the row counts move only with the requests themselves.
    node =
        db.builder()
            .meterRegistry(registry)
            .queue(BUSY, 2)
            .handler("work", Work.class, job -> Map.of("done", job.args().name()))
            .handler(
                "block",
                Work.class,
                job -> {
                  running.countDown();
                  if (!release.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("never released");
                  }
                  return Map.of("released", true);
                })
            .build();
    node.migrate();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).maxBodyBytes(CAP).start();
    http = new Http(server);
    blockedJob = node.enqueue(JobRequest.of("block", new Work("held")).queue(BUSY)).id();
    assertThat(running.await(60, TimeUnit.SECONDS)).as("blocking handler started").isTrue();
    Await.until("node leads", node::isLeader);
    JsonNode doc = new Http(server).get("/api/openapi.json").json();
    schemas = new LinkedHashMap<>();
    doc.get("components")
        .get("schemas")
        .fields()
        .forEachRemaining(e -> schemas.put(e.getKey(), e.getValue()));
    routes = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        List<Param> params = new ArrayList<>();
        for (JsonNode p : op.getValue().path("parameters")) {
          params.add(new Param(p.get("name").asText(), p.get("in").asText(), p.get("schema")));
        }
        String ref = op.getValue().path("requestBody").findPath("$ref").asText(null);
        routes.add(
            new Route(
                op.getKey().toUpperCase(Locale.ROOT),
                path.getKey(),
                params,
                ref == null ? null : ref.substring(ref.lastIndexOf('/') + 1)));
      }
    }
    for (String r : NON_API) {
      String[] parts = r.split(" ");
      routes.add(new Route(parts[0], parts[1], List.of(), null));
    }
  }

  /** The job that ran through every fuzz request completes once its handler is let go. */
  @AfterContainer
  static void stop() {
    release.countDown();
    try {
      if (node != null && blockedJob != 0) {
        Await.until(
            "the job running through the fuzz completes",
            () -> node.admin().get(blockedJob).orElseThrow().state() == JobState.COMPLETED);
      }
    } finally {
      close();
    }
  }

  private static void close() {
    if (server != null) {
      server.close();
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Example
  void everyRouteIsInTheFuzzTable() {
    Set<String> fuzzed = new TreeSet<>();
    routes.forEach(r -> fuzzed.add(r.key()));
    List<String> registered =
        server.routes().stream()
            .filter(r -> r.matches("(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) .*"))
            .toList();
    assertThat(registered).isNotEmpty();
    assertThat(fuzzed).as("routes the fuzz does not reach").containsAll(registered);
  }

  // ---- what a request is made of -------------------------------------------------------------

  enum Mutation {
    VALUE,
    WRONG_TYPE,
    DUPLICATE_KEY,
    UNKNOWN_KEY,
    DEEP,
    HUGE,
    NOT_OBJECT,
    MALFORMED,
    TRAILING,
    BAD_UTF8,
    NO_BODY
  }

  /** One generated recipe, applied to every route in turn. */
  record Shape(
      String text,
      String number,
      String instant,
      int which,
      Mutation mutation,
      int size,
      String contentType,
      int flags) {
    /** Sent in chunks rather than with a Content-Length. */
    boolean chunked() {
      return (flags & 1) != 0;
    }

    /** With a query parameter the route does not take. */
    boolean unknownParam() {
      return (flags & 6) == 6;
    }
  }

  @Provide
  Arbitrary<Shape> shapes() {
    Arbitrary<String> text =
        Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings()
                    .withCharRange('\u0000', '\u001f')
                    .ofMinLength(1)
                    .ofMaxLength(4),
                Arbitraries.strings()
                    .withCharRange('\ud800', '\udfff')
                    .ofMinLength(1)
                    .ofMaxLength(3)
                    .map(s -> "a" + s),
                Arbitraries.of(
                    "\u0000",
                    "a\u0000b",
                    "\ud800",
                    "x\udc00",
                    "\ud83d\ude00",
                    "fuzz",
                    "a.b:c-d",
                    " ",
                    "'; drop table jobs; --",
                    "<script>",
                    "%00",
                    "..",
                    "\u202e\ufeff"),
                Arbitraries.integers().between(129, 3000).map("n"::repeat))
            .filter(s -> !s.equals(BUSY));
    Arbitrary<String> number =
        Arbitraries.oneOf(
            Arbitraries.of(
                "1e309",
                "-1e309",
                "1e-400",
                "99999999999999999999",
                "-99999999999999999999",
                "9223372036854775807",
                "-9223372036854775808",
                "2147483648",
                "-1",
                "0",
                "1.5",
                "1e2",
                "\"12\"",
                "NaN",
                "Infinity",
                "01",
                "0x10",
                "-",
                "1" + "0".repeat(1200)),
            Arbitraries.longs().map(String::valueOf),
            Arbitraries.doubles().map(String::valueOf));
    Arbitrary<String> instant =
        Arbitraries.oneOf(
            Arbitraries.of(
                "+10000-01-01T00:00:00Z",
                "0000-12-31T23:59:59Z",
                "-5000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999Z",
                "9999-12-31T23:59:59.9999999Z",
                "0001-01-01T00:00:00Z",
                "2030-02-30T00:00:00Z",
                "+1000000000-01-01T00:00:00Z",
                "-1000000000-01-01T00:00:00Z",
                "2030-01-01T00:00:00",
                "2030-01-01T00:00:00+25:00",
                "tomorrow",
                ""),
            Arbitraries.longs()
                .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
                .map(s -> Instant.ofEpochSecond(s).toString()));
    Arbitrary<String> contentType =
        Arbitraries.of(
            "application/json",
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON;CHARSET=\"UTF-8\"",
            "application/json; charset=iso-8859-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "");
    return Combinators.combine(
            text,
            number,
            instant,
            Arbitraries.integers().between(0, 50),
            Arbitraries.of(Mutation.class),
            Arbitraries.of(10, 999, 1001, 5000),
            contentType,
            Arbitraries.integers().between(0, 7))
        .as(Shape::new);
  }

  // ---- the property --------------------------------------------------------------------------

  // Each try sends one request to every route (some 40), so 30 tries are over a thousand requests.
  @Property(tries = 30)
  void noRouteAnswers5xxAndARefusalNamesAFieldAndWritesNothing(@ForAll("shapes") Shape shape)
      throws Exception {
    Map<String, Long> before = SchemaRows.count(db);
    for (Route route : routes) {
      Request request = request(route, shape);
      Http.Reply reply =
          http.raw(
              route.method(), request.target(), request.body(), shape.chunked(), request.headers());
      String what = route.key() + " as " + request;
      assertThat(reply.status()).as(what + " → " + reply.json()).isLessThan(500);
      Map<String, Long> after = SchemaRows.count(db);
      if (reply.status() >= 400) {
        assertThat(reply.json()).as(what + " answered without a JSON error").isNotNull();
        assertThat(reply.json().path("error").asText()).as(what).isNotBlank();
        assertThat(reply.json().path("field").asText(""))
            .as(what + " → " + reply.json() + " names no field")
            .isNotBlank();
        assertThat(after).as(what + " was refused but wrote").isEqualTo(before);
      }
      before = after;
    }
  }

  /** The node kept working through it all: the held job still runs, a later one completes. */
  @AfterProperty
  void theNodeKeepsCompletingJobs() {
    assertThat(node.admin().get(blockedJob).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    long later = node.enqueue(JobRequest.of("work", new Work("after")).queue(BUSY)).id();
    Await.until(
        "a job enqueued after the fuzz completes",
        () -> node.admin().get(later).orElseThrow().state() == JobState.COMPLETED);
  }

  // ---- building requests ---------------------------------------------------------------------

  record Request(String target, byte[] body, String[] headers) {
    @Override
    public String toString() {
      String b = body == null ? "no body" : new String(body, StandardCharsets.UTF_8);
      return target
          + " "
          + String.join(" | ", headers)
          + " "
          + (b.length() > 300 ? b.substring(0, 300) + "…(" + b.length() + ")" : b);
    }
  }

  static Request request(Route route, Shape shape) {
    List<Param> pathParams = route.params().stream().filter(p -> p.in().equals("path")).toList();
    List<Param> queryParams = route.params().stream().filter(p -> p.in().equals("query")).toList();
    // The dashboard's files: one that exists (the fuzz adds its own query and headers).
    String target = route.path().replace("<asset>", "lib/api.js");
    for (int i = 0; i < pathParams.size(); i++) {
      Param p = pathParams.get(i);
      boolean poisoned = shape.which() % Math.max(1, pathParams.size() + 1) == i;
      String value = poisoned ? queryValue(p.schema(), shape) : benign(p.schema());
      if (p.name().equals("id") && value.equals(Long.toString(blockedJob))) {
        value = "4000000000"; // the held job must keep running; any other id may be acted on
      }
      target = target.replace("{" + p.name() + "}", encode(value.isEmpty() ? "x" : value));
    }
    List<String> query = new ArrayList<>();
    if (!queryParams.isEmpty()) {
      Param p = queryParams.get(shape.which() % queryParams.size());
      query.add(p.name() + "=" + encode(queryValue(p.schema(), shape)));
    }
    if (shape.unknownParam()) {
      query.add(encode(shape.text()) + "=1");
    }
    if (!query.isEmpty()) {
      target += "?" + String.join("&", query);
    }
    byte[] body = body(route, shape);
    List<String> headers = new ArrayList<>();
    if (body != null && !shape.contentType().isEmpty()) {
      headers.add("Content-Type: " + shape.contentType());
    }
    return new Request(target, body, headers.toArray(String[]::new));
  }

  static String queryValue(JsonNode schema, Shape shape) {
    String type = schema.path("type").asText();
    if (type.equals("integer")) {
      return shape.number();
    }
    if (schema.path("format").asText().equals("date-time")) {
      return shape.instant();
    }
    return shape.text();
  }

  static String benign(JsonNode schema) {
    if (schema.has("enum")) {
      return schema.get("enum").get(0).asText();
    }
    return schema.path("type").asText().equals("integer") ? "4000000000" : "fuzz";
  }

  /**
   * A body for the route's schema (or a stand-in object for routes that take none), valid but for
   * the one thing the shape's mutation breaks.
   */
  static byte[] body(Route route, Shape shape) {
    if (shape.mutation() == Mutation.NO_BODY) {
      return null;
    }
    Map<String, String> props = new LinkedHashMap<>(base(route.body()));
    Map<String, JsonNode> types = properties(route.body());
    List<String> names = new ArrayList<>(types.keySet());
    String target = names.isEmpty() ? "x" : names.get(shape.which() % names.size());
    JsonNode type = types.getOrDefault(target, OpenApi.string(null));
    switch (shape.mutation()) {
      case VALUE -> props.put(target, poisoned(type, shape));
      case WRONG_TYPE ->
          props.put(
              target, List.of("[]", "{}", "true", "null", "\"s\"", "7").get(shape.which() % 6));
      case UNKNOWN_KEY -> props.put(json(shape.text()), "1");
      case DEEP -> props.put(target, "[".repeat(shape.size()) + "]".repeat(shape.size()));
      case HUGE -> props.put(target, json("h".repeat(shape.size() * 20)));
      default -> {}
    }
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      String key = e.getKey().startsWith("\"") ? e.getKey() : json(e.getKey());
      out.append(key).append(':').append(e.getValue());
    }
    if (shape.mutation() == Mutation.DUPLICATE_KEY) {
      out.append(out.length() > 1 ? "," : "")
          .append(json(target))
          .append(":")
          .append(poisoned(type, shape));
    }
    out.append('}');
    String text = out.toString();
    return switch (shape.mutation()) {
      case NOT_OBJECT ->
          List.of("[1,2]", "\"x\"", "null", "42", "")
              .get(shape.which() % 5)
              .getBytes(StandardCharsets.UTF_8);
      case MALFORMED ->
          text.substring(0, shape.which() % text.length()).getBytes(StandardCharsets.UTF_8);
      case TRAILING -> (text + " " + text).getBytes(StandardCharsets.UTF_8);
      case BAD_UTF8 -> badUtf8(text);
      default -> text.getBytes(StandardCharsets.UTF_8);
    };
  }

  /** Valid bodies of the documented request schemas; an unknown schema starts from {}. */
  static Map<String, String> base(String schema) {
    if (schema == null) {
      return Map.of();
    }
    return switch (schema) {
      case "EnqueueRequest" ->
          Map.of(
              "kind",
              "\"work\"",
              "queue",
              "\"fuzz\"",
              "args",
              "{\"name\":\"f\"}",
              "delaySeconds",
              "3600");
      // The queue filter stays (possibly poisoned, never "busy") so no bulk action reaches the
      // held job.
      case "BulkRequest" -> Map.of("queue", "\"fuzz\"");
      default -> Map.of();
    };
  }

  static Map<String, JsonNode> properties(String schema) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (schema != null) {
      schemas
          .get(schema)
          .path("properties")
          .fields()
          .forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
    }
    return out;
  }

  static String poisoned(JsonNode type, Shape shape) {
    String t = type.path("type").asText();
    return switch (t) {
      case "integer", "number" -> shape.number();
      case "object" ->
          "{" + json(shape.text()) + ":" + json(shape.text()) + ",\"n\":" + shape.number() + "}";
      case "array" -> "[" + json(shape.text()) + "]";
      default ->
          json(type.path("format").asText().equals("date-time") ? shape.instant() : shape.text());
    };
  }

  /** A JSON string with every non-ASCII or control character escaped, lone surrogates included. */
  static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** Percent-encodes every byte; a lone surrogate goes as its CESU-8 bytes, which are not UTF-8. */
  static String encode(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      byte[] bytes;
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes =
            new byte[] {
              (byte) (0xE0 | (c >> 12)),
              (byte) (0x80 | ((c >> 6) & 0x3F)),
              (byte) (0x80 | (c & 0x3F))
            };
      } else {
        bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      }
      for (byte b : bytes) {
        out.append('%').append(String.format("%02X", b & 0xFF));
      }
    }
    return out.toString();
  }

  static byte[] badUtf8(String text) {
    byte[] plain = text.getBytes(StandardCharsets.UTF_8);
    int at = text.indexOf('"', 1);
    if (at < 0) {
      return plain;
    }
    byte[] out = new byte[plain.length + 2];
    System.arraycopy(plain, 0, out, 0, at + 1);
    out[at + 1] = (byte) 0xC3;
    out[at + 2] = (byte) 0x28;
    System.arraycopy(plain, at + 1, out, at + 3, plain.length - at - 1);
    return out;
  }
}
