package io.millrace.cli;

import io.millrace.jobs.JobAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "queues", mixinStandardHelpOptions = true,
    description = "Show queues with their unfinished jobs by state; pause or resume one.",
    subcommands = {QueuesCommand.Pause.class, QueuesCommand.Resume.class})
final class QueuesCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
  boolean json;

  @Override
  public Integer call() {
    try (Session session = Session.open(connection)) {
      List<JobAdmin.QueueSummary> queues = session.millrace().admin().queues();
      if (json) {
        Output.json(spec.commandLine().getOut(), queues);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JobAdmin.QueueSummary q : queues) {
        rows.add(List.of(q.name(), q.paused() ? "paused" : "active", Long.toString(q.available()),
            Long.toString(q.scheduled()), Long.toString(q.retryable()), Long.toString(q.running())));
      }
      Output.table(spec.commandLine().getOut(),
          List.of("QUEUE", "STATUS", "AVAILABLE", "SCHEDULED", "RETRYABLE", "RUNNING"), rows);
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
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

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Claim from a paused queue again.")
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

  private static int setPaused(ConnectionOptions connection, CommandSpec spec, String queue, boolean paused) {
    try (Session session = Session.open(connection)) {
      session.millrace().admin().setPaused(queue, paused);
      spec.commandLine().getOut().println("queue " + queue + (paused ? " paused" : " resumed"));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
