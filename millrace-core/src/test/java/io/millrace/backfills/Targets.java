package io.millrace.backfills;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Backfill targets for tests: a PostgreSQL pool whose search_path is a test's schema (so the
 * application's SQL names tables unqualified, as an application would), or a fresh SQLite file
 * under target/ in WAL mode.
 */
final class Targets {
  private static final AtomicInteger FILES = new AtomicInteger();

  private Targets() {}

  static HikariDataSource postgres(String schema, int poolSize) {
    return TestDatabase.pool(
        TestDatabase.jdbcUrl() + "&currentSchema=" + schema, poolSize, "backfill-target");
  }

  static SQLiteDataSource sqlite(String prefix) {
    try {
      Path dir = Path.of("target", "backfills-sqlite");
      Files.createDirectories(dir);
      Path file =
          dir.resolve(
              prefix + "-" + ProcessHandle.current().pid() + "-" + FILES.incrementAndGet() + ".db");
      Files.deleteIfExists(file);
      Files.deleteIfExists(Path.of(file + "-wal"));
      Files.deleteIfExists(Path.of(file + "-shm"));
      return sqliteAt(file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SQLiteDataSource sqliteAt(String file) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setBusyTimeout(10_000);
    SQLiteDataSource ds = new SQLiteDataSource(config);
    ds.setUrl("jdbc:sqlite:" + file);
    return ds;
  }

  static void execute(DataSource ds, String... statements) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long scalar(DataSource ds, String sql) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
