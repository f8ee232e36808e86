package io.millrace.cli;

import io.millrace.base.ValidationException;
import io.millrace.counts.QueueCounts;
import io.millrace.counts.QueueOverview;
import io.millrace.jobs.QueueLimits;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "queues",
    mixinStandardHelpOptions = true,
    description =
        "Show queues with their jobs by state (exact by default) and their limits; pause, resume"
            + " or limit one.",
    subcommands = {
      QueuesCommand.Pause.class,
      QueuesCommand.Resume.class,
      QueuesCommand.Limit.class
    })
final class QueuesCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
  boolean json;

  @Option(
      names = "--fast",
      description =
          "The cheapest read: never scans history. Exact while the counters are trusted;"
              + " otherwise an estimate that may be above or below the truth. Default: an exact"
              + " read.")
  boolean fast;

  @Override
  public Integer call() {
    try (Session session = Session.open(connection)) {
      QueueOverview overview = session.millrace().queues(!fast);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, overview);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (QueueOverview.Queue q : overview.queues()) {
        QueueCounts c = q.counts();
        rows.add(
            List.of(
                q.name(),
                q.paused() ? "paused" : "active",
                Long.toString(c.available()),
                Long.toString(c.scheduled()),
                Long.toString(c.running()),
                Long.toString(c.retryable()),
                Long.toString(c.pending()),
                Long.toString(c.completed()),
                Long.toString(c.failed()),
                Long.toString(c.cancelled()),
                Long.toString(c.skipped()),
                Long.toString(c.terminal()),
                limits(q.limits())));
      }
      Output.table(
          out,
          List.of(
              "QUEUE",
              "STATUS",
              "AVAILABLE",
              "SCHEDULED",
              "RUNNING",
              "RETRYABLE",
              "PENDING",
              "COMPLETED",
              "FAILED",
              "CANCELLED",
              "SKIPPED",
              "TERMINAL",
              "LIMITS"),
          rows);
      if (!overview.fromCounters()) {
        out.println("note: " + overview.note());
        out.flush();
      }
      return 0;
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Stop claiming from a queue; it keeps accepting jobs.")
  static final class Pause implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Override
    public Integer call() {
      return setPaused(connection, spec, queue, true);
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Claim from a paused queue again.")
  static final class Resume implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Override
    public Integer call() {
      return setPaused(connection, spec, queue, false);
    }
  }

  @Command(
      name = "limit",
      mixinStandardHelpOptions = true,
      description =
          "Set a queue's cluster-wide flow control: at most --max-running jobs running across all"
              + " nodes, at most --rate starts per --per. The options given replace the queue's"
              + " limits (one left out is no such limit); --none clears them; no option shows"
              + " them. Every node obeys the change from its next claim.")
  static final class Limit implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Option(names = "--max-running", paramLabel = "N", description = "At most N running.")
    @Nullable Integer maxRunning;

    @Option(
        names = "--rate",
        paramLabel = "N",
        description = "At most N starts in any window of --per.")
    @Nullable Integer rate;

    @Option(
        names = "--per",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "The window of --rate: 500ms, 1s, 1m, ... (default 1s).")
    @Nullable Duration per;

    @Option(names = "--none", description = "Remove every limit of the queue.")
    boolean none;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        PrintWriter out = spec.commandLine().getOut();
        QueueLimits limits;
        if (none) {
          if (maxRunning != null || rate != null || per != null) {
            throw new ValidationException("none", "give either --none or limits, not both");
          }
          limits = QueueLimits.NONE;
        } else if (maxRunning == null && rate == null && per == null) {
          out.println("queue " + queue + ": " + limits(session.millrace().admin().limits(queue)));
          out.flush();
          return 0;
        } else {
          if (per != null && rate == null) {
            throw new ValidationException("rate", "--per needs --rate");
          }
          limits =
              new QueueLimits(
                  maxRunning,
                  rate,
                  rate == null ? null : per == null ? Duration.ofSeconds(1) : per);
        }
        session.millrace().admin().setLimits(queue, limits);
        out.println("queue " + queue + ": " + limits(limits));
        out.flush();
        return 0;
      }
    }
  }

  /** "running<=3, 10/1000ms", or "-" for none. */
  static String limits(QueueLimits limits) {
    List<String> parts = new ArrayList<>();
    if (limits.maxRunning() != null) {
      parts.add("running<=" + limits.maxRunning());
    }
    if (limits.rateLimit() != null) {
      parts.add(limits.rateLimit() + "/" + limits.ratePeriodMs() + "ms");
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  private static int setPaused(
      ConnectionOptions connection, CommandSpec spec, String queue, boolean paused) {
    try (Session session = Session.open(connection)) {
      session.millrace().admin().setPaused(queue, paused);
      spec.commandLine().getOut().println("queue " + queue + (paused ? " paused" : " resumed"));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
