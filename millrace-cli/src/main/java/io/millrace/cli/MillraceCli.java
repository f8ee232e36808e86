package io.millrace.cli;

import io.millrace.base.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code millrace} command. Exit codes: 0 success, 2 bad input (the message names the option or
 * field), 1 any other failure.
 */
@Command(
    name = "millrace",
    mixinStandardHelpOptions = true,
    versionProvider = MillraceCli.BuildVersion.class,
    description = "Background work on PostgreSQL: serve the engine and administer jobs and queues.",
    subcommands = {
      ServeCommand.class,
      MigrateCommand.class,
      JobsCommand.class,
      QueuesCommand.class,
      StorageCommand.class,
      WorkflowsCommand.class,
      BackfillsCommand.class,
      SchedulesCommand.class,
      ProjectionsCommand.class,
      ClusterCommand.class
    })
public final class MillraceCli implements Runnable {
  /** {@code millrace --version}: the version the build wrote into the core, never a literal. */
  static final class BuildVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"millrace " + io.millrace.Millrace.version()};
    }
  }

  static final int BAD_INPUT = 2;
  static final int FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Chosen before the first logger exists: logback reads its configuration once.
    if ("json".equalsIgnoreCase(System.getenv("MILLRACE_LOG_FORMAT"))
        && System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
    int code = commandLine().execute(args);
    // serve returns only once it has shut down; other commands have nothing left to run.
    System.exit(code);
  }

  /** The command line with Millrace's exit-code mapping, for main and for in-process tests. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new MillraceCli());
    // An option's value is whatever follows it, as getopt takes it: --tag=-hot and --tag -hot
    // are the tag "-hot", not the -h option clustered with -o and -t.
    cli.setAllowOptionsAsOptionParameters(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ValidationException) {
            cmd.getErr().println("error: " + e.getMessage());
            return BAD_INPUT;
          }
          cmd.getErr().println("error: " + describe(e));
          return FAILURE;
        });
    return cli;
  }

  /** The message and its causes' messages: "could not enqueue: connection refused". */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
        sb.append(": ").append(c.getMessage());
      }
    }
    return sb.toString();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
