package io.millrace.cli;

import io.millrace.base.MillraceException;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description =
        "Enqueue, list, show, retry, cancel and discard jobs, one or all that match a filter.",
    subcommands = {
      JobsCommand.Enqueue.class,
      JobsCommand.ListJobs.class,
      JobsCommand.Show.class,
      JobsCommand.Retry.class,
      JobsCommand.Cancel.class,
      JobsCommand.Discard.class,
      BulkCommand.class
    })
final class JobsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "enqueue",
      mixinStandardHelpOptions = true,
      description = "Enqueue a job and print its id.")
  static final class Enqueue implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "The job's kind, e.g. demo.hello.")
    String kind;

    @Option(
        names = "--args",
        paramLabel = "JSON",
        defaultValue = "{}",
        description = "The job's args, a JSON object. Default: ${DEFAULT-VALUE}.")
    @SuppressWarnings("NullAway.Init") // picocli sets defaultValue before call()
    String args;

    @Option(
        names = "--queue",
        description = "Queue to run on. Default: " + JobRequest.DEFAULT_QUEUE + ".")
    @Nullable String queue;

    @Option(names = "--priority", description = "-1000 to 1000, higher first. Default: 0.")
    @Nullable Integer priority;

    @Option(
        names = "--delay",
        converter = DurationConverter.class,
        paramLabel = "DURATION",
        description = "Run no sooner than this from now, e.g. 10s, 5m. Default: run now.")
    @Nullable Duration delay;

    @Option(
        names = "--max-attempts",
        paramLabel = "N",
        description =
            "Attempts before the job fails for good, 1 to 1000. Default: "
                + JobRequest.DEFAULT_MAX_ATTEMPTS
                + ".")
    @Nullable Integer maxAttempts;

    @Option(
        names = "--unique-key",
        paramLabel = "KEY",
        description =
            "At most one unfinished job holds this key; a duplicate returns the existing id. Default: none.")
    @Nullable String uniqueKey;

    @Option(
        names = "--tag",
        paramLabel = "TAG",
        description = "A label for filtering; repeatable. Default: none.")
    List<String> tags = new ArrayList<>();

    @Option(
        names = "--json",
        description = "Print {\"id\":..,\"duplicate\":..} instead of the bare id. Default: false.")
    boolean json;

    @Override
    public Integer call() {
      JobRequest request = JobRequest.ofJson(kind, args);
      if (queue != null) {
        request.queue(queue);
      }
      if (priority != null) {
        request.priority(priority);
      }
      if (delay != null) {
        request.delay(delay);
      }
      if (maxAttempts != null) {
        request.maxAttempts(maxAttempts);
      }
      if (uniqueKey != null) {
        request.uniqueKey(uniqueKey);
      }
      if (!tags.isEmpty()) {
        request.tags(tags);
      }
      // Validated before connecting: bad input must not cost an embedded PostgreSQL start.
      try (Session session = Session.open(connection)) {
        EnqueueResult result = session.millrace().enqueue(request);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Output.json(out, result);
        } else {
          out.println(result.id());
          if (result.duplicate()) {
            spec.commandLine()
                .getErr()
                .println("note: an unfinished job already holds unique key " + uniqueKey);
          }
        }
        out.flush();
        return 0;
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs, newest first.")
  static final class ListJobs implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Option(names = "--queue", description = "Only this queue. Default: all.")
    @Nullable String queue;

    @Option(
        names = "--state",
        description =
            "Only this state (available, scheduled, retryable, running, "
                + "pending, completed, failed, cancelled, skipped). Default: all.")
    @Nullable String state;

    @Option(names = "--kind", description = "Only this kind. Default: all.")
    @Nullable String kind;

    @Option(names = "--tag", description = "Only jobs with this tag. Default: all.")
    @Nullable String tag;

    @Option(
        names = "--before",
        paramLabel = "ID",
        description = "Only ids below this (the next page). Default: none.")
    @Nullable Long before;

    @Option(
        names = "--created-from",
        paramLabel = "INSTANT",
        description =
            "Only jobs created at or after this ISO-8601 instant, e.g. 2030-01-01T00:00:00Z. Default: none.")
    @Nullable String createdFrom;

    @Option(
        names = "--created-to",
        paramLabel = "INSTANT",
        description = "Only jobs created before this ISO-8601 instant. Default: none.")
    @Nullable String createdTo;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "At most this many, 1 to 500. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
    boolean json;

    @Override
    public Integer call() {
      JobAdmin.Filter filter =
          new JobAdmin.Filter(
              queue,
              state == null ? null : JobState.parse("state", state),
              kind,
              tag,
              BulkCommand.instant("--created-from", createdFrom),
              BulkCommand.instant("--created-to", createdTo),
              before,
              limit);
      try (Session session = Session.open(connection)) {
        List<Job> jobs = session.millrace().admin().list(filter);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Output.json(out, jobs);
          return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Job j : jobs) {
          rows.add(
              List.of(
                  Long.toString(j.id()),
                  j.state().dbValue(),
                  j.queue(),
                  j.kind(),
                  j.attempt() + "/" + j.maxAttempts(),
                  String.valueOf(j.createdAt()),
                  String.valueOf(j.finishedAt() != null ? j.finishedAt() : j.runAt())));
        }
        Output.table(
            out,
            List.of("ID", "STATE", "QUEUE", "KIND", "ATTEMPT", "CREATED", "RUN/FINISHED AT"),
            rows);
        return 0;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one job as JSON.")
  static final class Show implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        Job job =
            session
                .millrace()
                .admin()
                .get(id)
                .orElseThrow(() -> new MillraceException("job " + id + " not found"));
        Output.json(spec.commandLine().getOut(), job);
        return 0;
      }
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description =
          "Run a job again now: a waiting job skips its wait, a finished one returns to its queue.")
  static final class Retry implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        JobAdmin.RetryResult result = session.millrace().admin().retry(id);
        return report(spec, id, result.name(), result == JobAdmin.RetryResult.NOT_FOUND);
      }
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel a waiting job, or ask the node running it to stop.")
  static final class Cancel implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        JobAdmin.CancelResult result = session.millrace().admin().cancel(id);
        return report(spec, id, result.name(), result == JobAdmin.CancelResult.NOT_FOUND);
      }
    }
  }

  @Command(
      name = "discard",
      mixinStandardHelpOptions = true,
      description =
          "Give up on a waiting job: it fails for good without running again (a running job is left alone).")
  static final class Discard implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        JobAdmin.DiscardResult result = session.millrace().admin().discard(id);
        return report(spec, id, result.name(), result == JobAdmin.DiscardResult.NOT_FOUND);
      }
    }
  }

  private static int report(CommandSpec spec, long id, String result, boolean notFound) {
    if (notFound) {
      throw new MillraceException("job " + id + " not found");
    }
    Output.json(
        spec.commandLine().getOut(),
        Map.of("id", id, "result", result.toLowerCase(java.util.Locale.ROOT)));
    return 0;
  }
}
