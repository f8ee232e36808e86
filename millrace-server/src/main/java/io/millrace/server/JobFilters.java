package io.millrace.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.millrace.base.Contract;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobState;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link JobAdmin.Filter} from a query string ({@code GET /api/jobs}) or a JSON body (bulk
 * actions). Both use the same names, and both refuse names they do not know: a misspelt filter
 * silently ignored would list, or worse retry, every job.
 */
final class JobFilters {
  /** Query parameters of the job list. */
  static final List<String> LIST_PARAMS =
      List.of("queue", "state", "kind", "tag", "createdFrom", "createdTo", "before", "limit");

  /** Properties of a bulk action's body. */
  static final List<String> BULK_PROPERTIES =
      List.of("queue", "state", "kind", "tag", "createdFrom", "createdTo", "beforeId", "max");

  private JobFilters() {}

  static JobAdmin.Filter fromQuery(Context ctx, int defaultLimit) {
    for (String name : ctx.queryParamMap().keySet()) {
      if (!LIST_PARAMS.contains(name)) {
        throw new ValidationException(name, "is not a known filter; use one of " + LIST_PARAMS);
      }
    }
    String limit = value(ctx.queryParam("limit"));
    String before = value(ctx.queryParam("before"));
    return new JobAdmin.Filter(
        value(ctx.queryParam("queue")),
        state(value(ctx.queryParam("state"))),
        value(ctx.queryParam("kind")),
        value(ctx.queryParam("tag")),
        instant("createdFrom", value(ctx.queryParam("createdFrom"))),
        instant("createdTo", value(ctx.queryParam("createdTo"))),
        before == null ? null : BadInput.parseLong("before", before),
        limit == null ? defaultLimit : BadInput.parseInt("limit", limit));
  }

  /**
   * A bulk action's body: the filter, and {@code max} (how many jobs at most) returned separately.
   */
  record Bulk(JobAdmin.Filter filter, int max) {}

  static Bulk fromBody(byte[] body, int defaultMax) {
    JsonNode root = ApiBody.object(body, BULK_PROPERTIES);
    if (root == null) {
      throw new ValidationException("body", "must be a JSON object with at least one filter");
    }
    JobAdmin.Filter filter =
        new JobAdmin.Filter(
            text(root, "queue"),
            state(text(root, "state")),
            text(root, "kind"),
            text(root, "tag"),
            instant("createdFrom", text(root, "createdFrom")),
            instant("createdTo", text(root, "createdTo")),
            whole(root, "beforeId"),
            1);
    if (filter.queue() == null
        && filter.state() == null
        && filter.kind() == null
        && filter.tag() == null
        && filter.createdFrom() == null
        && filter.createdTo() == null) {
      throw new ValidationException(
          "filter",
          "a bulk action needs at least one of queue, state, kind, tag, createdFrom, createdTo");
    }
    Long max = whole(root, "max");
    return new Bulk(
        filter,
        max == null
            ? defaultMax
            : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, max)));
  }

  /** An ISO-8601 instant within the range Millrace stores (years 1 to 9999). */
  @Contract("_, !null -> !null")
  static @Nullable Instant instant(String field, @Nullable String value) {
    if (value == null) {
      return null;
    }
    try {
      return Storable.instant(field, Instant.parse(value.trim()));
    } catch (DateTimeParseException e) {
      throw new ValidationException(
          field, "'" + value + "' is not an ISO-8601 instant such as 2030-01-01T00:00:00Z");
    }
  }

  private static @Nullable JobState state(@Nullable String value) {
    return value == null ? null : JobState.parse("state", value);
  }

  private static @Nullable String value(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static @Nullable String text(JsonNode root, String field) {
    JsonNode node = root.path(field);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new ValidationException(field, "must be a string");
    }
    return value(node.asText());
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
}
