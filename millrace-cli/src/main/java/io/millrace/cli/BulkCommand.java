package io.millrace.cli;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.BulkActions;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobState;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace jobs bulk retry|cancel|discard --queue mail --state failed ...}: the same sweep
 * as {@code POST /api/bulk/jobs/{action}} and the dashboard's "Retry all" (all three call {@link
 * JobAdmin#bulk}), printing the same JSON.
 */
@Command(
    name = "bulk",
    mixinStandardHelpOptions = true,
    description =
        "Retry, cancel or discard every job matching a filter (at least one filter is required).")
final class BulkCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ACTION", description = "retry, cancel or discard.")
  String action;

  @Option(names = "--queue", description = "Only this queue. Default: all.")
  @Nullable String queue;

  @Option(names = "--state", description = "Only this state. Default: all.")
  @Nullable String state;

  @Option(names = "--kind", description = "Only this kind. Default: all.")
  @Nullable String kind;

  @Option(names = "--tag", description = "Only jobs with this tag. Default: all.")
  @Nullable String tag;

  @Option(
      names = "--created-from",
      paramLabel = "INSTANT",
      description = "Only jobs created at or after this ISO-8601 instant.")
  @Nullable String createdFrom;

  @Option(
      names = "--created-to",
      paramLabel = "INSTANT",
      description = "Only jobs created before this ISO-8601 instant.")
  @Nullable String createdTo;

  @Option(
      names = "--before",
      paramLabel = "ID",
      description =
          "Only ids below this: the `next` of a previous run that stopped at --max. Default: none.")
  @Nullable Long before;

  @Option(
      names = "--max",
      defaultValue = "1000",
      description =
          "Act on at most this many jobs, 1 to "
              + BulkActions.MAX_JOBS
              + ". Default: ${DEFAULT-VALUE}.")
  int max;

  @Override
  public Integer call() {
    BulkActions.Action parsed = BulkActions.Action.parse("ACTION", action);
    JobAdmin.Filter filter =
        new JobAdmin.Filter(
            queue,
            state == null ? null : JobState.parse("--state", state),
            kind,
            tag,
            instant("--created-from", createdFrom),
            instant("--created-to", createdTo),
            before,
            1);
    if (queue == null
        && state == null
        && kind == null
        && tag == null
        && createdFrom == null
        && createdTo == null) {
      throw new ValidationException(
          "filter",
          "a bulk action needs at least one of --queue, --state, --kind, --tag, --created-from, --created-to");
    }
    try (Session session = Session.open(connection)) {
      Output.json(
          spec.commandLine().getOut(), session.millrace().admin().bulk(parsed, filter, max));
      return 0;
    }
  }

  static @Nullable Instant instant(String option, @Nullable String value) {
    if (value == null) {
      return null;
    }
    Instant parsed;
    try {
      parsed = Instant.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new ValidationException(
          option,
          "'"
              + Storable.shown(value)
              + "' is not an ISO-8601 instant such as 2030-01-01T00:00:00Z");
    }
    // Checked here too, so the message names the option the user typed.
    return Storable.instant(option, parsed);
  }
}
