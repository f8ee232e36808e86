package io.millrace.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.base.ValidationException;
import io.millrace.jobs.QueueLimits;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/queues/{name}/limits}: {@code maxRunning}, {@code rateLimit} and
 * {@code ratePeriodMs}, each optional; an absent or null one is no such limit, so an empty object
 * (or no body) clears them all.
 */
final class LimitsBody {
  static final List<String> KNOWN = List.of("maxRunning", "rateLimit", "ratePeriodMs");

  private LimitsBody() {}

  static QueueLimits parse(byte[] body) {
    ObjectNode root = ApiBody.object(body, KNOWN);
    if (root == null) {
      return QueueLimits.NONE;
    }
    Long maxRunning = whole(root, "maxRunning");
    Long rateLimit = whole(root, "rateLimit");
    Long periodMs = whole(root, "ratePeriodMs");
    return new QueueLimits(
        maxRunning == null ? null : clamp(maxRunning),
        rateLimit == null ? null : clamp(rateLimit),
        periodMs == null ? null : Duration.ofMillis(periodMs));
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
