package io.millrace.projections;

import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A projection over its own tables that shows double counting and skipping: {@code tally} holds a
 * count per (projection, stream), {@code applied} a row per (projection, event position) under a
 * primary key, so applying an event twice fails the projection and a skipped event is a missing
 * row.
 */
final class Tally implements ProjectionHandler {
  private final String projection;
  private final String schema;

  Tally(String projection, String schema) {
    this.projection = projection;
    this.schema = schema;
  }

  static void createTables(TestDatabase db) {
    db.execute(
        "CREATE TABLE IF NOT EXISTS {schema}.tally (projection text, stream text, n bigint NOT NULL,"
            + " PRIMARY KEY (projection, stream))");
    db.execute(
        "CREATE TABLE IF NOT EXISTS {schema}.applied (projection text, position bigint,"
            + " PRIMARY KEY (projection, position))");
  }

  static Projection.Builder projection(TestDatabase db, String name, String version) {
    return Projection.named(name).version(version).handler(new Tally(name, db.schema()));
  }

  @Override
  public void apply(Event event, ProjectionContext context) throws SQLException {
    Connection c = context.connection();
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO \"" + schema + "\".applied VALUES (?, ?)")) {
      ps.setString(1, projection);
      ps.setLong(2, event.position());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO \""
                + schema
                + "\".tally VALUES (?, ?, 1)"
                + " ON CONFLICT (projection, stream) DO UPDATE SET n = tally.n + 1")) {
      ps.setString(1, projection);
      ps.setString(2, event.stream());
      ps.executeUpdate();
    }
  }

  @Override
  public void reset(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("DELETE FROM \"" + schema + "\".applied WHERE projection = '" + projection + "'");
      s.execute("DELETE FROM \"" + schema + "\".tally WHERE projection = '" + projection + "'");
    }
  }

  /** Appends {@code n} events spread over {@code streams} streams, in batches of up to 100. */
  static void append(EventStore store, int n, int streams) {
    int done = 0;
    while (done < n) {
      int batch = Math.min(100, n - done);
      String stream = "s-" + (done / 100 % streams);
      List<NewEvent> events = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        events.add(NewEvent.json("counted", "{\"i\":" + (done + i) + "}"));
      }
      store.append(stream, EventStore.ANY, events);
      done += batch;
    }
  }

  static long total(TestDatabase db, String projection) {
    return Long.parseLong(
        db.column(
                "SELECT coalesce(sum(n), 0) FROM {schema}.tally WHERE projection = '"
                    + projection
                    + "'")
            .get(0));
  }

  static long appliedRows(TestDatabase db, String projection) {
    return db.count("FROM {schema}.applied WHERE projection = '" + projection + "'");
  }

  /** Events of the log that the projection did not apply. */
  static long missing(TestDatabase db, String projection) {
    return db.count(
        "FROM {schema}.events e WHERE NOT EXISTS (SELECT 1 FROM {schema}.applied a"
            + " WHERE a.projection = '"
            + projection
            + "' AND a.position = e.position)");
  }

  static String status(TestDatabase db, String projection) {
    List<String> s =
        db.column("SELECT status FROM {schema}.projections WHERE name = '" + projection + "'");
    return s.isEmpty() ? null : s.get(0);
  }
}
