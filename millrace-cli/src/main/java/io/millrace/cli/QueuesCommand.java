package io.millrace.cli;

import io.millrace.counts.QueueCounts;
import io.millrace.counts.QueueOverview;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "queues",
    mixinStandardHelpOptions = true,
    description = "Show queues with their jobs by state (exact by default); pause or resume one.",
    subcommands = {QueuesCommand.Pause.class, QueuesCommand.Resume.class})
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
                Long.toString(c.terminal())));
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
              "TERMINAL"),
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
