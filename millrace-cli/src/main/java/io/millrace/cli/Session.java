package io.millrace.cli;

import io.millrace.Millrace;

/**
 * A one-shot command's connection: the database and a client node on it (no handlers, not started,
 * so it neither claims jobs nor joins leader election). When the command started the embedded
 * PostgreSQL itself it migrates it, since that database is Millrace's own; any other database must
 * already be at this build's schema version.
 */
final class Session implements AutoCloseable {
  private final Database database;
  private final Millrace millrace;

  private Session(Database database, Millrace millrace) {
    this.database = database;
    this.millrace = millrace;
  }

  static Session open(ConnectionOptions options) {
    Database database = Database.open(options, false, 2);
    try {
      Millrace client = Millrace.builder(database.dataSource()).schema(options.schema).build();
      if (database.embedded().isPresent()) {
        client.migrate();
      } else {
        client.checkSchema();
      }
      return new Session(database, client);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  Millrace millrace() {
    return millrace;
  }

  @Override
  public void close() {
    millrace.close();
    database.close();
  }
}
