package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.Values;
import io.millrace.jobs.Job;
import io.millrace.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated values on the command line, run in-process against the test database: every command
 * exits 0, or 2 with a message naming the field or option, having written nothing. Never 1 (a
 * PostgreSQL error or an overflow is not what bad input should produce).
 */
class CliValueProperties {
  /** What a bad-input message starts with: a field of the API, or picocli naming the option. */
  private static final Pattern NAMED =
      Pattern.compile(
          "error: (kind|args|queue|priority|delay|uniqueKey|tags|maxAttempts|tag|createdFrom"
              + "|createdTo|--created-from|--created-to|--state|state|limit|max|filter|ACTION):"
              + "|Invalid value for (option|positional parameter) '?(--[a-z-]+|ACTION|KIND)"
              // "--" alone ends the options, as in getopt, even written --tag=--.
              + "|Expected parameter for option '--[a-z-]+' but found '--'\\R");

  static TestDatabase db;
  static Millrace client;
  static CliRunner cli;
  static final AtomicLong SEQUENCE = new AtomicLong();

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("clivalues");
    client = db.migratedClient();
    cli = new CliRunner(db);
  }

  @AfterContainer
  static void stop() {
    client.close();
    db.close();
  }

  @Provide
  Arbitrary<String> texts() {
    // Values starting with a dash too, which a parser could mistake for options.
    return Arbitraries.oneOf(Values.texts(), Values.texts().map(t -> "-" + t)).injectNull(0.3);
  }

  @Provide
  Arbitrary<String> numbers() {
    return Arbitraries.oneOf(
            Arbitraries.integers().between(-2_000, 2_000).map(Object::toString),
            Arbitraries.of(
                "2147483648", "-2147483649", "99999999999999999999", "1e3", "0x10", "", " 5"),
            Values.awkward())
        .injectNull(0.5);
  }

  @Provide
  Arbitrary<String> durations() {
    return Arbitraries.oneOf(
            Arbitraries.longs().between(0, 999_999_999_999L).map(n -> n + "s"),
            Arbitraries.of("ms", "s", "m", "h", "d")
                .flatMap(u -> Arbitraries.longs().between(0, 999_999_999_999L).map(n -> n + u)),
            Arbitraries.of(
                "10s",
                "0ms",
                "999999999999d",
                "P36500D",
                "P36501D",
                "PT-1S",
                "PT9223372036854775807S",
                "PT99999999999999999999H",
                "-5s"),
            Values.awkward())
        .injectNull(0.4);
  }

  @Provide
  Arbitrary<String> instants() {
    return Arbitraries.oneOf(
            Values.instants().map(Instant::toString),
            Arbitraries.of(
                "2030-01-01T00:00:00Z",
                "0000-01-01T00:00:00Z",
                "-5000-01-01T00:00:00Z",
                "+10000-01-01T00:00:00Z",
                "2030-13-01T00:00:00Z",
                "yesterday"),
            Values.awkward())
        .injectNull(0.5);
  }

  private static long rows() {
    return db.count("FROM {schema}.jobs") + db.count("FROM {schema}.job_history");
  }

  /** Exit 0, or 2 naming a field with nothing written; returns whether it succeeded. */
  private static boolean succeededOrBadInput(CliRunner.Run run, long rowsBefore) {
    assertThat(run.exit()).as("exit of %s", run.err()).isIn(0, 2);
    if (run.exit() == 2) {
      assertThat(NAMED.matcher(run.err()).find()).as("names the field: %s", run.err()).isTrue();
      assertThat(rows()).as("rows after bad input").isEqualTo(rowsBefore);
      return false;
    }
    return true;
  }

  private static void option(List<String> command, String name, String value) {
    if (value != null) {
      command.add(name + "=" + value);
    }
  }

  @Property(tries = 100)
  void enqueueExitsZeroOrTwoNamingTheField(
      @ForAll("texts") String kind,
      @ForAll("texts") String args,
      @ForAll("texts") String queue,
      @ForAll("numbers") String priority,
      @ForAll("durations") String delay,
      @ForAll("texts") String uniqueKey,
      @ForAll("texts") String tag,
      @ForAll("numbers") String maxAttempts) {
    List<String> command = new ArrayList<>(List.of("jobs", "enqueue"));
    option(command, "--args", args == null ? null : "{\"v\":" + quoted(args) + "}");
    option(command, "--queue", queue);
    option(command, "--priority", priority);
    option(command, "--delay", delay);
    String key = uniqueKey == null ? null : uniqueKey + "#" + SEQUENCE.incrementAndGet();
    option(command, "--unique-key", key);
    option(command, "--tag", tag);
    option(command, "--max-attempts", maxAttempts);
    long before = rows();
    CliRunner.Run run = cli.run(command, kind == null ? "demo.kind" : kind);
    if (succeededOrBadInput(run, before)) {
      Job job = client.admin().get(Long.parseLong(run.out().strip())).orElseThrow();
      assertThat(job.uniqueKey()).isEqualTo(key);
      if (args != null) {
        assertThat(job.args().get("v").asText()).isEqualTo(args);
      }
    }
  }

  @Property(tries = 100)
  void listAndBulkExitZeroOrTwoNamingTheField(
      @ForAll("texts") String kind,
      @ForAll("texts") String tag,
      @ForAll("instants") String createdFrom,
      @ForAll("instants") String createdTo,
      @ForAll("numbers") String limit,
      @ForAll boolean bulk) {
    List<String> command =
        new ArrayList<>(
            bulk ? List.of("jobs", "bulk", "--queue=nothing-here") : List.of("jobs", "list"));
    option(command, "--kind", kind);
    option(command, "--tag", tag);
    option(command, "--created-from", createdFrom);
    option(command, "--created-to", createdTo);
    option(command, bulk ? "--max" : "--limit", limit);
    long before = rows();
    CliRunner.Run run = bulk ? cli.run(command, "cancel") : cli.run(command);
    succeededOrBadInput(run, before);
  }

  /** {@code text} as a JSON string literal, written the way a shell user would escape it. */
  private static String quoted(String text) {
    return io.millrace.base.Json.write(text);
  }
}
