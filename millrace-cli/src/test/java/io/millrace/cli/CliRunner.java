package io.millrace.cli;

import io.millrace.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI in-process against a schema of the test database, capturing its output. */
final class CliRunner {
  record Run(int exit, String out, String err) {}

  private final TestDatabase db;

  CliRunner(TestDatabase db) {
    this.db = db;
  }

  /**
   * {@code command} (the subcommand path and its options, e.g. {@code jobs list --limit=5}) with
   * the connection options of the test schema, then {@code positional} after {@code --} so that a
   * generated value starting with a dash stays a value.
   */
  Run run(List<String> command, String... positional) {
    List<String> args = new ArrayList<>(command);
    args.add("--database-url=" + TestDatabase.jdbcUrl());
    args.add("--database-user=postgres");
    args.add("--database-password=postgres");
    args.add("--schema=" + db.schema());
    if (positional.length > 0) {
      args.add("--");
      args.addAll(List.of(positional));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MillraceCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }
}
