package io.millrace.cli;

import io.millrace.Millrace;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description =
        "Apply Millrace's pending schema migrations (forward only) and print the schema version.")
final class MigrateCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (Database database = Database.open(connection, false, 2);
        Millrace client =
            Millrace.builder(database.dataSource()).schema(connection.schema).build()) {
      int version = client.migrate();
      spec.commandLine()
          .getOut()
          .println(
              "schema "
                  + connection.schema
                  + " is at version "
                  + version
                  + " ("
                  + database.description()
                  + ")");
      return 0;
    }
  }
}
