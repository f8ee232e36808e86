package io.millrace.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.ValidationException;
import io.millrace.jobs.JobRequest;
import io.millrace.sql.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Turns the body of {@code POST /api/jobs} into a {@link JobRequest}. Read property by property
 * rather than bound to a class, so that every mistake (a string where a number belongs, a fraction,
 * a misspelt property) is reported with the property's name, and values are then checked by {@link
 * JobRequest} itself, the same rules as for Java callers.
 *
 * <pre>{@code
 * {"kind": "email.send", "args": {"to": "ada@example.com"}, "queue": "mail", "priority": 10,
 *  "runAt": "2030-01-01T00:00:00Z" | "delaySeconds": 60, "maxAttempts": 5,
 *  "uniqueKey": "welcome:ada", "tags": ["onboarding"], "timeoutSeconds": 30}
 * }</pre>
 */
final class EnqueueBody {
  /** A misspelt option must not be silently ignored (the job would run with the default). */
  private static final Set<String> KNOWN =
      Set.of(
          "kind",
          "args",
          "queue",
          "priority",
          "runAt",
          "delaySeconds",
          "maxAttempts",
          "uniqueKey",
          "tags",
          "timeoutSeconds");

  private EnqueueBody() {}

  static JobRequest parse(String body) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JsonProcessingException e) {
      throw new ValidationException("body", "is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ValidationException("body", "must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KNOWN.contains(name)) {
        throw new ValidationException(
            name, "is not a known property; use one of " + KNOWN.stream().sorted().toList());
      }
    }
    JsonNode args = root.path("args");
    if (!args.isMissingNode() && !args.isNull() && !args.isObject() && !args.isArray()) {
      throw new ValidationException(
          "args", "must be a JSON object or array, got " + args.getNodeType().name().toLowerCase());
    }
    String kind = text(root, "kind");
    if (kind == null) {
      throw new ValidationException("kind", "is required");
    }
    JobRequest request =
        JobRequest.ofJson(kind, args.isMissingNode() || args.isNull() ? "{}" : Json.write(args));
    String queue = text(root, "queue");
    if (queue != null) {
      request.queue(queue);
    }
    Long priority = whole(root, "priority");
    if (priority != null) {
      request.priority(clamp(priority));
    }
    String runAt = text(root, "runAt");
    Long delay = whole(root, "delaySeconds");
    if (runAt != null && delay != null) {
      throw new ValidationException("runAt", "give either runAt or delaySeconds, not both");
    }
    if (runAt != null) {
      try {
        request.runAt(Instant.parse(runAt));
      } catch (DateTimeParseException e) {
        throw new ValidationException(
            "runAt", "'" + runAt + "' is not an ISO-8601 instant such as 2030-01-01T00:00:00Z");
      }
    }
    if (delay != null) {
      if (delay < 0) {
        throw new ValidationException("delaySeconds", "must be zero or positive, got " + delay);
      }
      request.delay(Duration.ofSeconds(delay));
    }
    Long maxAttempts = whole(root, "maxAttempts");
    if (maxAttempts != null) {
      request.maxAttempts(clamp(maxAttempts));
    }
    String uniqueKey = text(root, "uniqueKey");
    if (uniqueKey != null) {
      request.uniqueKey(uniqueKey);
    }
    JsonNode tags = root.path("tags");
    if (!tags.isMissingNode() && !tags.isNull()) {
      if (!tags.isArray()) {
        throw new ValidationException("tags", "must be an array of strings");
      }
      List<String> list = new ArrayList<>();
      for (JsonNode tag : tags) {
        if (!tag.isTextual()) {
          throw new ValidationException("tags", "must be an array of strings");
        }
        list.add(tag.asText());
      }
      request.tags(list);
    }
    Long timeout = whole(root, "timeoutSeconds");
    if (timeout != null) {
      if (timeout <= 0) {
        throw new ValidationException("timeoutSeconds", "must be positive, got " + timeout);
      }
      request.timeout(Duration.ofSeconds(timeout));
    }
    return request;
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new ValidationException(field, "must be a string");
    }
    return node.asText();
  }

  private static Long whole(JsonNode root, String field) {
    JsonNode node = root.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw new ValidationException(field, "must be a whole number, got " + node);
    }
    return node.longValue();
  }

  /** Out-of-int-range values still reach the range check with a value that fails it. */
  private static int clamp(long value) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
  }
}
