package io.millrace.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL every test class of the JVM shares: {@code MILLRACE_TEST_DATABASE_URL} when set,
 * otherwise an embedded server started on first use and stopped at JVM exit.
 */
final class TestServer {
  static final String URL_SETTING = "MILLRACE_TEST_DATABASE_URL";

  private static @Nullable EmbeddedPostgres embedded;

  private TestServer() {}

  /** A pool on the shared server; the caller closes it. */
  static HikariDataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    String url = configuredUrl();
    if (url != null) {
      config.setJdbcUrl(url);
    } else {
      config.setJdbcUrl(embedded().getJdbcUrl("postgres", "postgres"));
      config.setUsername("postgres");
      config.setPassword("postgres");
    }
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    config.setPoolName("millrace-test");
    return new HikariDataSource(config);
  }

  private static @Nullable String configuredUrl() {
    String url = System.getProperty(URL_SETTING);
    if (url == null || url.isBlank()) {
      url = System.getenv(URL_SETTING);
    }
    return url == null || url.isBlank() ? null : url.strip();
  }

  private static synchronized EmbeddedPostgres embedded() {
    EmbeddedPostgres server = embedded;
    if (server == null) {
      try {
        server =
            EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
      }
      requireExpectedMajor(server);
      EmbeddedPostgres started = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting; the data directory is temporary
                    }
                  },
                  "millrace-test-postgres-stop"));
      embedded = server;
    }
    return server;
  }

  /**
   * Millrace's own build names the major its tests must run on (the system property {@code
   * millrace.test.postgres}); a server of another major stops the run. Applications set nothing and
   * get the embedded binaries their build resolves.
   */
  private static void requireExpectedMajor(EmbeddedPostgres server) {
    String expected = System.getProperty("millrace.test.postgres", "");
    if (expected.isBlank()) {
      return;
    }
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT current_setting('server_version'),"
                    + " current_setting('server_version_num')::int")) {
      rs.next();
      if (!Integer.toString(rs.getInt(2) / 10_000).equals(expected.strip())) {
        throw new IllegalStateException(
            "the build asks for PostgreSQL "
                + expected
                + " (millrace.test.postgres) but the embedded server is "
                + rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the embedded PostgreSQL's version", e);
    }
  }
}
