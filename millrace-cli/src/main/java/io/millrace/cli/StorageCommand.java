package io.millrace.cli;

import io.millrace.counts.Drift;
import io.millrace.counts.Trust;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    description = "Check and repair what Millrace keeps about its own tables.",
    subcommands = {StorageCommand.VerifyCounters.class, StorageCommand.RebuildCounters.class})
final class StorageCommand implements Runnable {
  /** Exit code of verify-counters when it found drift. */
  static final int DRIFT = 3;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "verify-counters",
      mixinStandardHelpOptions = true,
      description = "Compare the finished-job counters with a scan of history; exit 3 on drift.")
  static final class VerifyCounters implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Option(
        names = "--clear-marker",
        description =
            "On drift, also clear the trust marker so exact counts scan history until a rebuild."
                + " Default: false.")
    boolean clearMarker;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        List<Drift> drift = session.millrace().counts().verify(clearMarker);
        String trusted = describe(session.millrace().counts().trust());
        PrintWriter out = spec.commandLine().getOut();
        if (drift.isEmpty()) {
          out.println("counters match history (trusted: " + trusted + ")");
          out.flush();
          return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Drift d : drift) {
          rows.add(
              List.of(
                  d.queue(),
                  d.state(),
                  Long.toString(d.counted()),
                  Long.toString(d.actual()),
                  Long.toString(d.difference())));
        }
        Output.table(out, List.of("QUEUE", "STATE", "COUNTED", "ACTUAL", "DRIFT"), rows);
        out.println(
            drift.size()
                + " counters drifted (trusted: "
                + trusted
                + ");"
                + " run `millrace storage rebuild-counters` to repair");
        out.flush();
        return DRIFT;
      }
    }
  }

  /** "true", or "false" with why the marker was cleared. */
  static String describe(Trust trust) {
    if (trust.trusted()) {
      return "true";
    }
    return trust.untrustedBecause() == null ? "false" : "false, " + trust.untrustedBecause();
  }

  @Command(
      name = "rebuild-counters",
      mixinStandardHelpOptions = true,
      description =
          "Rebuild the counters from history and set the trust marker, in one transaction."
              + " Safe while workers run: finishing jobs wait briefly for the counters' lock.")
  static final class RebuildCounters implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (Session session = Session.open(connection)) {
        // rebuild() returns only once the trust marker has been read back set; otherwise it
        // throws, and the command exits 1 with the reason instead of printing success.
        Trust trust = session.millrace().counts().rebuild();
        spec.commandLine()
            .getOut()
            .println(
                "counters rebuilt from history and trusted since "
                    + trust.markedAt()
                    + "; exact counts use them again");
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }
}
