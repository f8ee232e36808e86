package io.millrace.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The test kit's database: one embedded PostgreSQL per test JVM (started on first use, stopped at
 * JVM exit), and a fresh schema per test class, so classes never see each other's jobs. Sessions
 * run in America/Los_Angeles so that time-zone mistakes show up instead of hiding behind UTC.
 */
public final class TestDatabase implements AutoCloseable {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static EmbeddedPostgres server;

  private final HikariDataSource dataSource;
  private final String schema;

  private TestDatabase(HikariDataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /** A new, empty schema (not yet migrated) with its own connection pool. */
  public static TestDatabase create(String prefix) {
    return create(prefix, 20);
  }

  public static TestDatabase create(String prefix, int poolSize) {
    String schema =
        (prefix.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_")
            + "_"
            + SEQUENCE.incrementAndGet());
    if (schema.length() > 40) {
      schema = schema.substring(schema.length() - 40);
    }
    if (!Character.isLetter(schema.charAt(0))) {
      schema = "t" + schema.substring(1);
    }
    return new TestDatabase(pool(jdbcUrl(), poolSize), schema);
  }

  public static synchronized String jdbcUrl() {
    return server().getJdbcUrl("postgres", "postgres");
  }

  /** The URL of another database on the same server, created on first use. */
  public static synchronized String otherDatabaseUrl(String database) {
    if (!database.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("not a plain database name: " + database);
    }
    try (Connection c = server().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
      if (!rs.next()) {
        s.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return server().getJdbcUrl("postgres", database);
  }

  /** The shared embedded server, started on first use. */
  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server =
            EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "300")
                // The event log's read horizon accounts for prepared transactions; tests make some.
                .setServerConfig("max_prepared_transactions", "20")
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
                  }));
    }
    return server;
  }

  /**
   * The build names the PostgreSQL major the tests must run on (the system property {@code
   * millrace.test.postgres}, set by the parent pom and its pg13 ... pg18 profiles). A server of
   * another major stops the run here, so a compatibility run can never pass on the wrong server.
   */
  private static void requireExpectedMajor(EmbeddedPostgres server) {
    String expected = System.getProperty("millrace.test.postgres", "");
    if (expected.isBlank()) {
      return; // run outside Maven (an IDE): any server will do
    }
    String version;
    int versionNum;
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT current_setting('server_version'),"
                    + " current_setting('server_version_num')::int")) {
      rs.next();
      version = rs.getString(1);
      versionNum = rs.getInt(2);
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the embedded PostgreSQL's version", e);
    }
    if (!Integer.toString(versionNum / 10_000).equals(expected.strip())) {
      throw new IllegalStateException(
          "the build asks for PostgreSQL "
              + expected
              + " (millrace.test.postgres) but the embedded server is "
              + version
              + "; the pg13 ... pg18 profiles swap the Linux x86-64 binaries only");
    }
  }

  public static HikariDataSource pool(String jdbcUrl, int size) {
    return pool(jdbcUrl, size, "millrace-test");
  }

  /**
   * A pool whose sessions carry {@code applicationName}, so a fault-injection test can find (and
   * terminate) exactly its own sessions in {@code pg_stat_activity}.
   */
  public static HikariDataSource pool(String jdbcUrl, int size, String applicationName) {
    HikariConfig config = new HikariConfig();
    config.addDataSourceProperty("ApplicationName", applicationName);
    config.setJdbcUrl(jdbcUrl);
    config.setUsername("postgres");
    config.setPassword("postgres");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    config.addDataSourceProperty("options", "-c TimeZone=America/Los_Angeles");
    return new HikariDataSource(config);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public String schema() {
    return schema;
  }

  /** A builder on this schema with test-friendly timings (short lease, fast loops). */
  public MillraceBuilder builder() {
    return Millrace.builder(dataSource)
        .schema(schema)
        .lease(Duration.ofSeconds(3))
        .heartbeat(Duration.ofMillis(500))
        .pollInterval(Duration.ofMillis(200))
        .maintenanceInterval(Duration.ofMillis(200))
        .countsRefreshInterval(Duration.ofMillis(200))
        .shutdownTimeout(Duration.ofSeconds(5));
  }

  /** A client node (no handlers) with the schema migrated. */
  public Millrace migratedClient() {
    Millrace client = builder().build();
    client.migrate();
    return client;
  }

  public long count(String sqlFromWhere) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      try (var rs =
          s.executeQuery(
              "SELECT count(*) " + sqlFromWhere.replace("{schema}", '"' + schema + '"'))) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of every row, as text. */
  public List<String> column(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql.replace("{schema}", '"' + schema + '"'))) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public void execute(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql.replace("{schema}", '"' + schema + '"'));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
