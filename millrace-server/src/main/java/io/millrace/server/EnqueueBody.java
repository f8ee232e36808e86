package io.millrace.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.base.Json;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns the body of {@code POST /api/jobs} into a {@link JobRequest}. Read property by property
 * rather than bound to a class, so that every mistake (a string where a number belongs, a fraction,
 * a misspelt or repeated property, an unstorable value) is reported with the property's name, and
 * values are then checked by {@link JobRequest} itself, the same rules as for Java callers.
 *
 * <pre>{@code
 * {"kind": "email.send", "args": {"to": "ada@example.com"}, "queue": "mail", "priority": 10,
 *  "runAt": "2030-01-01T00:00:00Z" | "delaySeconds": 60, "maxAttempts": 5,
 *  "uniqueKey": "welcome:ada", "tags": ["onboarding"], "timeoutSeconds": 30}
 * }</pre>
 */
final class EnqueueBody {
  /** A misspelt option must not be silently ignored (the job would run with the default). */
  private static final List<String> KNOWN =
      List.of(
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

  static JobRequest parse(byte[] body) {
    ObjectNode root = ApiBody.object(body, KNOWN);
    if (root == null) {
      throw new ValidationException("body", "must be a JSON object with at least kind");
    }
    JsonNode args = root.path("args");
    if (!args.isMissingNode() && !args.isNull() && !args.isObject() && !args.isArray()) {
      throw new ValidationException(
          "args",
          "must be a JSON object or array, got "
              + args.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
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
      request.runAt(JobFilters.instant("runAt", runAt));
    }
    if (delay != null) {
      request.delay(Duration.ofSeconds(Storable.seconds("delaySeconds", delay)));
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
      if (timeout == 0) {
        throw new ValidationException("timeoutSeconds", "must be positive, got 0");
      }
      request.timeout(Duration.ofSeconds(Storable.seconds("timeoutSeconds", timeout)));
    }
    return request;
  }

  private static @Nullable String text(JsonNode root, String field) {
    JsonNode node = root.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new ValidationException(field, "must be a string");
    }
    return node.asText();
  }

  private static @Nullable Long whole(JsonNode root, String field) {
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
