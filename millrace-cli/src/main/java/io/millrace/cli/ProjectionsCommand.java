package io.millrace.cli;

import io.millrace.base.MillraceException;
import io.millrace.projections.ProjectionStatus;
import io.millrace.projections.Projections;
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

/**
 * {@code millrace projections list|show|rebuild|retry}. Reads come from the database, so they show
 * every projection whichever node runs it; rebuild and retry are requests that the node holding the
 * projection's lease carries out (woken by a notification, at once).
 */
@Command(
    name = "projections",
    mixinStandardHelpOptions = true,
    description =
        "Show projections (status, checkpoint, lag, errors); rebuild one or retry a failed one.",
    subcommands = {
      ProjectionsCommand.ListCommand.class,
      ProjectionsCommand.Show.class,
      ProjectionsCommand.Rebuild.class,
      ProjectionsCommand.Retry.class
    })
final class ProjectionsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Every projection with its status and lag.")
  static final class ListCommand implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Option(
        names = "--json",
        description = "Print JSON (the API's shape) instead of a table. Default: false.")
    boolean json;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        List<ProjectionStatus> all = session.millrace().projections().list();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Output.json(out, all);
          return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ProjectionStatus p : all) {
          rows.add(
              List.of(
                  p.name(),
                  p.version(),
                  p.status(),
                  p.checkpoint(),
                  Long.toString(p.eventsApplied()),
                  Long.toString(p.lag()),
                  p.runningOn() == null ? "-" : p.runningOn(),
                  p.error() == null ? "" : p.error()));
        }
        Output.table(
            out,
            List.of(
                "NAME", "VERSION", "STATUS", "CHECKPOINT", "APPLIED", "LAG", "RUNNING ON", "ERROR"),
            rows);
        return 0;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One projection, as JSON.")
  static final class Show implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        ProjectionStatus status =
            session
                .millrace()
                .projections()
                .get(name)
                .orElseThrow(() -> new MillraceException("projection " + name + " not found"));
        Output.json(spec.commandLine().getOut(), status);
        return 0;
      }
    }
  }

  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      description =
          "Replay a projection from the first event; its queries answer 503 until it has caught up.")
  static final class Rebuild implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        return answer(
            spec, name, session.millrace().projections().rebuild(name), "rebuild requested");
      }
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Resume a failed projection from its checkpoint (after fixing the cause).")
  static final class Retry implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        return answer(spec, name, session.millrace().projections().retry(name), "retry requested");
      }
    }
  }

  private static int answer(
      CommandSpec spec, String name, Projections.Request result, String done) {
    switch (result) {
      case ACCEPTED -> {
        spec.commandLine().getOut().println("projection " + name + ": " + done);
        spec.commandLine().getOut().flush();
        return 0;
      }
      case NOT_FOUND -> throw new MillraceException("projection " + name + " not found");
      default ->
          throw new MillraceException(
              "projection " + name + " has not failed; retry applies to failed projections");
    }
  }
}
