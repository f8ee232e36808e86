package io.millrace.cli;

import io.millrace.base.MillraceException;
import io.millrace.jobs.ScheduleStatus;
import io.millrace.jobs.Schedules;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code millrace schedules}: list periodic jobs' schedules (expression, zone, next fire time, last
 * run and outcome, registering nodes, orphans), show one, and pause, resume, trigger or delete one.
 * Works from the schedules table alone, so it needs no periodic job definition; every action is the
 * Java API's {@link Schedules} and keeps exactly once per tick. An unknown name exits 1.
 */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    description =
        "List periodic jobs' schedules (default); show, pause, resume, trigger or delete one.",
    subcommands = {
      SchedulesCommand.Show.class,
      SchedulesCommand.Pause.class,
      SchedulesCommand.Resume.class,
      SchedulesCommand.Trigger.class,
      SchedulesCommand.Delete.class
    })
final class SchedulesCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
  boolean json;

  @Override
  public Integer call() {
    try (Session session = Session.open(connection)) {
      List<ScheduleStatus> all = session.millrace().schedules().list();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("schedules", all));
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (ScheduleStatus s : all) {
        rows.add(
            List.of(
                s.name(),
                status(s),
                s.schedule(),
                s.zone(),
                s.firing() && !s.nextFireTimes().isEmpty() ? time(s.nextFireTimes().get(0)) : "-",
                s.lastJobId() == null
                    ? "never"
                    : "#"
                        + s.lastJobId()
                        + " "
                        + (s.lastOutcome() == null ? "gone" : s.lastOutcome().dbValue()),
                s.registeredBy().isEmpty() ? "none" : String.join(",", s.registeredBy())));
      }
      Output.table(
          out, List.of("NAME", "STATUS", "SCHEDULE", "ZONE", "NEXT", "LAST RUN", "NODES"), rows);
      return 0;
    }
  }

  static String status(ScheduleStatus s) {
    if (s.paused()) {
      return "paused";
    }
    if (s.orphaned()) {
      return s.firesWhenOrphaned() ? "orphaned, firing" : "orphaned";
    }
    return "active";
  }

  static String time(Instant t) {
    return t.toString();
  }

  static MillraceException notFound(String name) {
    return new MillraceException("schedule " + name + " not found");
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Show one schedule as JSON: expression, zone, next fire times, last run and outcome,"
              + " registering nodes.")
  static final class Show implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        ScheduleStatus s =
            session.millrace().schedules().get(name).orElseThrow(() -> notFound(name));
        Output.json(spec.commandLine().getOut(), s);
        return 0;
      }
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause a schedule: no tick fires until it is resumed.")
  static final class Pause extends ActionCommand {
    Pause() {
      super(Schedules::pause);
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description =
          "Resume a schedule from its next tick; resuming an orphaned schedule makes it fire"
              + " although no live node registers it.")
  static final class Resume extends ActionCommand {
    Resume() {
      super(Schedules::resume);
    }
  }

  /** Pause and resume: prints the schedule's status after the action. */
  abstract static class ActionCommand implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    private final BiFunction<Schedules, String, Optional<ScheduleStatus>> action;

    ActionCommand(BiFunction<Schedules, String, Optional<ScheduleStatus>> action) {
      this.action = action;
    }

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        ScheduleStatus s =
            action.apply(session.millrace().schedules(), name).orElseThrow(() -> notFound(name));
        spec.commandLine().getOut().println("schedule " + name + " " + status(s));
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }

  @Command(
      name = "trigger",
      mixinStandardHelpOptions = true,
      description = "Enqueue one job from the schedule now; its ticks are unchanged.")
  static final class Trigger implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        Schedules.Triggered t =
            session.millrace().schedules().triggerNow(name).orElseThrow(() -> notFound(name));
        spec.commandLine()
            .getOut()
            .println(
                "schedule "
                    + name
                    + " triggered: job "
                    + t.jobId()
                    + " (trigger "
                    + t.trigger()
                    + ")");
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description =
          "Delete a schedule (an orphan, say); jobs already enqueued stay. A node starting with the"
              + " periodic job adds it again.")
  static final class Delete implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        if (!session.millrace().schedules().delete(name)) {
          throw notFound(name);
        }
        spec.commandLine().getOut().println("schedule " + name + " deleted");
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }
}
