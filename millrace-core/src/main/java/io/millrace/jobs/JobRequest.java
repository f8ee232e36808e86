package io.millrace.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A job to enqueue: its kind, JSON args and options. Every setter validates its value and throws a
 * {@link ValidationException} naming the field, so a bad request fails where it is built, before
 * anything is written. Args given as an object ({@link #of}) are written to JSON by the node that
 * enqueues the request, with its {@link JsonCodec}, and checked there, before anything is written.
 *
 * <pre>{@code
 * JobRequest.of("email.send", new EmailArgs("ada@example.com"))
 *     .queue("mail").priority(10).delay(Duration.ofMinutes(5)).maxAttempts(5)
 *     .uniqueKey("welcome:ada").tags("onboarding");
 * }</pre>
 */
public final class JobRequest {
  /** Kinds, queues and tags: letters, digits and {@code . _ : -}, 1 to 128 characters. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  public static final String DEFAULT_QUEUE = "default";
  public static final int DEFAULT_MAX_ATTEMPTS = 20;
  public static final int MAX_PRIORITY = 1000;
  public static final int MAX_ATTEMPTS_LIMIT = 1000;
  public static final int MAX_TAGS = 32;
  public static final int MAX_UNIQUE_KEY_LENGTH = 512;

  private final String kind;

  /** The args as JSON text ({@link #ofJson}), or null when they are {@link #args}. */
  private final @Nullable String argsJson;

  /** The args as an object ({@link #of}), written by the enqueuing node's codec; or null. */
  private final @Nullable Object args;

  private String queue = DEFAULT_QUEUE;
  private int priority = 0;
  private @Nullable Instant runAt;
  // Null until set: the kind's retry policy then decides (RetryPolicy).
  private @Nullable Integer maxAttempts;
  private @Nullable String uniqueKey;
  private List<String> tags = List.of();
  private @Nullable Duration timeout;

  private JobRequest(String kind, @Nullable String argsJson, @Nullable Object args) {
    this.kind = requireName("kind", kind);
    this.argsJson = argsJson;
    this.args = args;
  }

  /**
   * A job whose args are {@code args}: a record, a class, a {@code Map}, a list... written to JSON
   * by the enqueuing node's {@link JsonCodec} (the application's own mapper under Spring Boot). A
   * value the codec cannot write, or whose JSON PostgreSQL could not store, is refused at enqueue
   * with a {@link ValidationException} naming {@code args}, and nothing is written.
   */
  public static JobRequest of(String kind, Object args) {
    if (args == null) {
      throw new ValidationException("args", "must not be null; use an empty object instead");
    }
    if (args instanceof JsonNode node) {
      return new JobRequest(kind, checked(node), null);
    }
    return new JobRequest(kind, null, args);
  }

  /** A job whose args are the given JSON text, which must parse as a JSON object or array. */
  public static JobRequest ofJson(String kind, String argsJson) {
    if (argsJson == null || argsJson.isBlank()) {
      throw new ValidationException("args", "must be a JSON object, for example {}");
    }
    JsonNode node;
    try {
      node = Json.parse(argsJson);
    } catch (JsonProcessingException e) {
      throw new ValidationException(
          "args", "is not valid JSON: " + Storable.escape(e.getOriginalMessage()));
    }
    if (node == null || !(node.isObject() || node.isArray())) {
      throw new ValidationException(
          "args", "must be a JSON object or array, got " + Storable.shown(argsJson.strip()));
    }
    return new JobRequest(kind, checked(node), null);
  }

  // Checked as a tree: written as text, NaN would become the string "NaN" and U+0000 an escape
  // that jsonb refuses.
  private static String checked(JsonNode node) {
    return Json.write(Storable.json("args", node));
  }

  /** The queue to run on; default {@value #DEFAULT_QUEUE}. */
  public JobRequest queue(String queue) {
    this.queue = requireName("queue", queue);
    return this;
  }

  /** Higher runs first among due jobs of a queue; -1000 to 1000, default 0. */
  public JobRequest priority(int priority) {
    if (priority < -MAX_PRIORITY || priority > MAX_PRIORITY) {
      throw new ValidationException("priority", "must be between -1000 and 1000, got " + priority);
    }
    this.priority = priority;
    return this;
  }

  /**
   * Not before this instant, years 1 to 9999; default: now (the database's clock). Kept to the
   * microsecond, PostgreSQL's precision, so {@link #runAt()} is what is stored.
   */
  public JobRequest runAt(Instant runAt) {
    if (runAt == null) {
      throw new ValidationException("runAt", "must not be null");
    }
    this.runAt = Storable.instant("runAt", runAt).truncatedTo(ChronoUnit.MICROS);
    return this;
  }

  /** Not before this long from now (the application's clock); at most 100 years. */
  public JobRequest delay(Duration delay) {
    if (delay == null || delay.isNegative()) {
      throw new ValidationException("delay", "must be zero or positive");
    }
    Storable.duration("delay", delay);
    this.runAt =
        Storable.instant("delay", Instant.now().plus(delay)).truncatedTo(ChronoUnit.MICROS);
    return this;
  }

  /**
   * Attempts before the job is failed for good, 1 to 1000. Set here, it wins over the {@link
   * RetryPolicy} of the job's kind; unset, that policy decides at enqueue (by default {@value
   * #DEFAULT_MAX_ATTEMPTS}).
   */
  public JobRequest maxAttempts(int maxAttempts) {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw new ValidationException(
          "maxAttempts", "must be between 1 and " + MAX_ATTEMPTS_LIMIT + ", got " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    return this;
  }

  /**
   * While an unfinished job holds this key, enqueueing another job with it returns the existing job
   * instead of a second one. Finished jobs release their key.
   */
  public JobRequest uniqueKey(String uniqueKey) {
    if (uniqueKey == null || uniqueKey.isEmpty() || uniqueKey.length() > MAX_UNIQUE_KEY_LENGTH) {
      throw new ValidationException(
          "uniqueKey", "must be 1 to " + MAX_UNIQUE_KEY_LENGTH + " characters");
    }
    this.uniqueKey = Storable.text("uniqueKey", uniqueKey);
    return this;
  }

  /** Labels for filtering in the API and dashboard; at most 32. */
  public JobRequest tags(String... tags) {
    if (tags == null) {
      throw new ValidationException("tags", "must not be null");
    }
    // Arrays.asList, not List.of: a null tag is bad input to report, not a NullPointerException.
    return tags(Arrays.asList(tags));
  }

  public JobRequest tags(List<String> tags) {
    if (tags == null) {
      throw new ValidationException("tags", "must not be null");
    }
    if (tags.size() > MAX_TAGS) {
      throw new ValidationException("tags", "at most " + MAX_TAGS + " tags, got " + tags.size());
    }
    for (String tag : tags) {
      requireName("tags", tag);
    }
    this.tags = List.copyOf(tags);
    return this;
  }

  /**
   * How long one attempt may run before it is interrupted and counted as failed; at most 100 years.
   */
  public JobRequest timeout(Duration timeout) {
    // Stored in whole milliseconds (timeout_ms > 0): a positive timeout under 1 ms would be 0.
    if (timeout == null || timeout.compareTo(Duration.ofMillis(1)) < 0) {
      throw new ValidationException("timeout", "must be at least 1 ms, got " + timeout);
    }
    this.timeout = Storable.duration("timeout", timeout);
    return this;
  }

  public String kind() {
    return kind;
  }

  /**
   * The args as the JSON text stored: the text given to {@link #ofJson}, or the object given to
   * {@link #of} written by {@code codec} (the enqueuing node's, {@code Millrace.jsonCodec()}) and
   * checked; a {@link ValidationException} names {@code args} when it cannot be stored.
   */
  public String argsJson(JsonCodec codec) {
    if (argsJson != null) {
      return argsJson;
    }
    return Json.write(Json.encode(codec, "args", java.util.Objects.requireNonNull(args)));
  }

  public String queue() {
    return queue;
  }

  public int priority() {
    return priority;
  }

  public @Nullable Instant runAt() {
    return runAt;
  }

  /**
   * The max attempts set on this request, or {@value #DEFAULT_MAX_ATTEMPTS} when none was set (the
   * kind's {@link RetryPolicy} then decides at enqueue; see {@link #maxAttemptsSet()}).
   */
  public int maxAttempts() {
    return maxAttempts != null ? maxAttempts : DEFAULT_MAX_ATTEMPTS;
  }

  /** Whether {@link #maxAttempts(int)} was called, so that the request's value wins. */
  public boolean maxAttemptsSet() {
    return maxAttempts != null;
  }

  public @Nullable String uniqueKey() {
    return uniqueKey;
  }

  public List<String> tags() {
    return tags;
  }

  public @Nullable Duration timeout() {
    return timeout;
  }

  /**
   * Checks a kind, queue, tag or other name against the rule for names (1-128 letters, digits and
   * {@code . _ : -}) and returns it; a {@link ValidationException} names {@code field} otherwise.
   */
  public static String requireName(String field, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new ValidationException(
          field,
          "'"
              + Storable.shown(value)
              + "' is not valid: use 1-128 characters of letters, digits and . _ : -");
    }
    return value;
  }

  @Override
  public String toString() {
    return "JobRequest[kind=" + kind + ", queue=" + queue + ", uniqueKey=" + uniqueKey + "]";
  }
}
