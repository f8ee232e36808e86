package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.backfills.BackfillState;
import io.millrace.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The README's Backfills example, run as written against an application database in SQLite (WAL
 * mode), with Millrace's own state in the test PostgreSQL.
 */
class ReadmeBackfillExampleTest {

  @Test
  void theReadmeBackfillExampleRuns() throws Exception {
    Path dir = Path.of("target", "readme-backfill");
    Files.createDirectories(dir);
    Path file = dir.resolve("app-" + ProcessHandle.current().pid() + ".db");
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(Path.of(file + suffix));
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setBusyTimeout(10_000);
    SQLiteDataSource appDataSource = new SQLiteDataSource(config);
    appDataSource.setUrl("jdbc:sqlite:" + file);
    // 1,000 transmissions (id 1..1000): those with id % 5 = 0 have no observations, those with
    // id % 10 = 3 already have a last_seen; the rest get the latest of their observations.
    execute(
        appDataSource,
        "CREATE TABLE transmissions (id bigint PRIMARY KEY, last_seen bigint NOT NULL)",
        "CREATE TABLE observations (id bigint PRIMARY KEY, transmission_id bigint NOT NULL, timestamp bigint NOT NULL)",
        "CREATE INDEX observations_tx ON observations (transmission_id)",
        "INSERT INTO transmissions WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1000)"
            + " SELECT i, CASE WHEN i % 10 = 3 THEN 42 ELSE 0 END FROM g",
        "INSERT INTO observations WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000)"
            + " SELECT n, (n - 1) % 1000 + 1, 1000 * n FROM g WHERE ((n - 1) % 1000 + 1) % 5 <> 0");

    // A database of its own, so the example's builder runs with the default schema and timings.
    try (HikariDataSource millraceDataSource =
        TestDatabase.pool(TestDatabase.otherDatabaseUrl("readme_backfill"), 10)) {
      Backfill lastSeen =
          Backfill.builder("transmissions-last-seen")
              .target(appDataSource) // PostgreSQL or SQLite, detected
              .table("transmissions")
              .key("id") // an indexed unique key: integer or KeyType.TEXT
              .filter("last_seen = 0") // optional; joins {range}
              .sql(
                  "UPDATE transmissions SET last_seen = (SELECT max(o.timestamp) FROM observations o"
                      + " WHERE o.transmission_id = transmissions.id) WHERE {range}"
                      + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = transmissions.id)")
              .blocking() // /ready answers 503 until it has succeeded
              .build();
      Millrace millrace = Millrace.builder(millraceDataSource).backfill(lastSeen).build();
      millrace.migrate();
      try {
        millrace.start();
        millrace
            .backfills()
            .awaitFinished(
                "transmissions-last-seen", Duration.ofMinutes(30)); // or isFinished(name)

        assertThat(millrace.backfills().isFinished("transmissions-last-seen")).isTrue();
        assertThat(millrace.backfills().get("transmissions-last-seen").orElseThrow().state())
            .isEqualTo(BackfillState.SUCCEEDED);
        assertThat(millrace.readiness().report().ready()).isTrue();
      } finally {
        millrace.close();
      }
    }

    Map<Long, Long> lastSeenById = new HashMap<>();
    try (Connection c = appDataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, last_seen FROM transmissions")) {
      while (rs.next()) {
        lastSeenById.put(rs.getLong(1), rs.getLong(2));
      }
    }
    assertThat(lastSeenById).hasSize(1000);
    for (long id = 1; id <= 1000; id++) {
      // Observations of transmission id are n = id, id + 1000, id + 2000: the latest is n = id +
      // 2000.
      long expected = id % 10 == 3 ? 42 : id % 5 == 0 ? 0 : 1000 * (id + 2000);
      assertThat(lastSeenById.get(id)).as("last_seen of transmission %d", id).isEqualTo(expected);
    }
  }

  private static void execute(DataSource ds, String... statements) throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }
}
