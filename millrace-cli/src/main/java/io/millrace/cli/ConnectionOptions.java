package io.millrace.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where the database is; shared by every command. */
final class ConnectionOptions {
  @Option(
      names = "--database-url",
      paramLabel = "URL",
      description =
          "JDBC URL of an existing PostgreSQL. Default: $MILLRACE_DATABASE_URL; if unset, the "
              + "embedded PostgreSQL of the data directory (a running server's, else one started for this command).")
  @Nullable String url = System.getenv("MILLRACE_DATABASE_URL");

  @Option(
      names = "--database-user",
      paramLabel = "USER",
      description = "Database user. Default: $MILLRACE_DATABASE_USER, else from the URL.")
  @Nullable String user = System.getenv("MILLRACE_DATABASE_USER");

  @Option(
      names = "--database-password",
      paramLabel = "PASSWORD",
      description = "Database password. Default: $MILLRACE_DATABASE_PASSWORD, else from the URL.")
  @Nullable String password = System.getenv("MILLRACE_DATABASE_PASSWORD");

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Home of the embedded PostgreSQL (subdirectory pgdata) and the server state file. "
              + "Default: $MILLRACE_HOME, else ~/.millrace.")
  @Nullable Path dataDir;

  @Option(
      names = "--schema",
      paramLabel = "NAME",
      defaultValue = "millrace",
      description = "PostgreSQL schema of Millrace's tables. Default: ${DEFAULT-VALUE}.")
  @SuppressWarnings("NullAway.Init") // picocli sets defaultValue before call()
  String schema;

  Path dataDir() {
    if (dataDir != null) {
      return dataDir.toAbsolutePath();
    }
    String home = System.getenv("MILLRACE_HOME");
    return (home != null && !home.isBlank()
            ? Path.of(home)
            : Path.of(System.getProperty("user.home"), ".millrace"))
        .toAbsolutePath();
  }
}
