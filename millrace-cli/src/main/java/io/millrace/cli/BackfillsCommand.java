package io.millrace.cli;

import io.millrace.backfills.BackfillStatus;
import io.millrace.backfills.Backfills;
import io.millrace.base.MillraceException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * {@code millrace backfills}: list and show backfills with their progress, and pause, resume,
 * cancel or retry one. Works from Millrace's registry alone, so it needs no backfill definition and
 * no access to the target database; a running node applies an action after its batch in flight. An
 * action that the backfill's state does not allow exits 1 and says why.
 */
@Command(
    name = "backfills",
    mixinStandardHelpOptions = true,
    description =
        "List backfills with progress and ETA (default); show, pause, resume, cancel or retry one.",
    subcommands = {
      BackfillsCommand.Show.class,
      BackfillsCommand.Pause.class,
      BackfillsCommand.Resume.class,
      BackfillsCommand.Cancel.class,
      BackfillsCommand.Retry.class
    })
final class BackfillsCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON instead of a table. Default: false.")
  boolean json;

  @Override
  public Integer call() {
    try (Session session = Session.open(connection)) {
      List<BackfillStatus> all = session.millrace().backfills().list();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, java.util.Map.of("backfills", all));
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (BackfillStatus s : all) {
        rows.add(
            List.of(
                s.name(),
                s.state().dbName(),
                s.target() + ":" + s.table(),
                percent(s),
                s.rowsProcessed() + "/" + (s.rowsTotal() == null ? UNKNOWN : "~" + s.rowsTotal()),
                s.rowsPerSecond() == null ? "-" : String.format("%.0f", s.rowsPerSecond()),
                eta(s),
                s.throttledBy() != null
                    ? "throttled: " + s.throttledBy()
                    : s.lastError() != null ? s.lastError() : ""));
      }
      Output.table(
          out, List.of("NAME", "STATE", "TABLE", "DONE", "ROWS", "ROWS/S", "ETA", "NOTE"), rows);
      return 0;
    }
  }

  /** What the table shows for a total, percent or ETA without a trustworthy estimate. */
  static final String UNKNOWN = "unknown";

  static String percent(BackfillStatus s) {
    return s.percent() == null ? UNKNOWN : String.format("%.1f%%", s.percent());
  }

  static String eta(BackfillStatus s) {
    if (s.state() != io.millrace.backfills.BackfillState.RUNNING) {
      return "-";
    }
    if (s.etaSeconds() == null) {
      return UNKNOWN;
    }
    Duration d = Duration.ofSeconds(Math.round(s.etaSeconds()));
    return d.toHours() > 0
        ? d.toHours() + "h" + d.toMinutesPart() + "m"
        : d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show one backfill as JSON: state, lease, cursor, progress, last error.")
  static final class Show implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        BackfillStatus s =
            session
                .millrace()
                .backfills()
                .get(name)
                .orElseThrow(() -> new MillraceException("backfill " + name + " not found"));
        Output.json(spec.commandLine().getOut(), s);
        return 0;
      }
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause a pending or running backfill (after its batch in flight).")
  static final class Pause extends ActionCommand {
    Pause() {
      super(Backfills::pause);
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume a paused backfill from its cursor.")
  static final class Resume extends ActionCommand {
    Resume() {
      super(Backfills::resume);
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel a backfill; what it committed stays.")
  static final class Cancel extends ActionCommand {
    Cancel() {
      super(Backfills::cancel);
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Retry a failed or cancelled backfill from its cursor.")
  static final class Retry extends ActionCommand {
    Retry() {
      super(Backfills::retry);
    }
  }

  /**
   * One shape for the four actions: prints the new state, or exits 1 saying why it did not apply.
   */
  abstract static class ActionCommand implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    private final BiFunction<Backfills, String, Optional<Backfills.Action>> action;

    ActionCommand(BiFunction<Backfills, String, Optional<Backfills.Action>> action) {
      this.action = action;
    }

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        Backfills.Action a =
            action
                .apply(session.millrace().backfills(), name)
                .orElseThrow(() -> new MillraceException("backfill " + name + " not found"));
        if (!a.applied()) {
          throw new MillraceException(
              "cannot " + a.action() + " backfill " + name + ": it is " + a.state().dbName());
        }
        spec.commandLine().getOut().println("backfill " + name + " " + a.state().dbName());
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }
}
