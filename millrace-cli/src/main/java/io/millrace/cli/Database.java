package io.millrace.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.base.MillraceException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL a command talks to, resolved in this order: an explicit URL; the embedded
 * PostgreSQL of a server running on the data directory (found through its {@link StateFile});
 * otherwise the embedded PostgreSQL of the data directory, started here and stopped on close.
 */
final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final String EMBEDDED_USER = "postgres";

  private final HikariDataSource pool;
  private final @Nullable EmbeddedPostgres embedded;
  private final String description;

  private Database(HikariDataSource pool, @Nullable EmbeddedPostgres embedded, String description) {
    this.pool = pool;
    this.embedded = embedded;
    this.description = description;
  }

  /**
   * @param serving true for {@code serve}, which must own the embedded database rather than share
   *     another server's
   */
  static Database open(ConnectionOptions options, boolean serving, int poolSize) {
    if (options.url != null && !options.url.isBlank()) {
      return new Database(
          pool(options.url, options.user, options.password, poolSize), null, redact(options.url));
    }
    Path dataDir = options.dataDir();
    Optional<StateFile> running = StateFile.ofLiveServer(dataDir);
    if (running.isPresent()) {
      if (serving) {
        throw new MillraceException(
            "a Millrace server (pid "
                + running.get().pid()
                + ") is already serving "
                + dataDir
                + "; stop it, or pass another --data-dir");
      }
      return new Database(
          pool(running.get().jdbcUrl(), EMBEDDED_USER, EMBEDDED_USER, poolSize),
          null,
          "the embedded PostgreSQL of the server (pid " + running.get().pid() + ") on " + dataDir);
    }
    EmbeddedPostgres pg = startEmbedded(dataDir);
    String url = pg.getJdbcUrl(EMBEDDED_USER, "postgres");
    try {
      return new Database(
          pool(url, EMBEDDED_USER, EMBEDDED_USER, poolSize),
          pg,
          "embedded PostgreSQL on " + dataDir.resolve("pgdata") + " (port " + pg.getPort() + ")");
    } catch (RuntimeException e) {
      closeQuietly(pg);
      throw e;
    }
  }

  private static EmbeddedPostgres startEmbedded(Path dataDir) {
    Path pgdata = dataDir.resolve("pgdata");
    try {
      Files.createDirectories(pgdata);
      log.info("Starting the embedded PostgreSQL on {}", pgdata);
      // Kept across runs: setCleanDataDirectory(false) is what makes the embedded database a real
      // one rather than a scratch copy.
      return EmbeddedPostgres.builder()
          .setDataDirectory(pgdata)
          .setCleanDataDirectory(false)
          .start();
    } catch (IOException e) {
      throw new MillraceException(
          "could not start the embedded PostgreSQL on " + pgdata + ": " + e.getMessage(), e);
    }
  }

  private static HikariDataSource pool(
      String url, @Nullable String user, @Nullable String password, int size) {
    return pool("millrace", url, user, password, size);
  }

  /**
   * A pool on {@code url} with the command's credentials, failing now with the driver's message
   * when it cannot connect: for the node's direct sessions and its read replica too.
   */
  static HikariDataSource pool(
      String name, String url, @Nullable String user, @Nullable String password, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    // Fail now with the driver's message (wrong host, password...) instead of at the first query.
    config.setInitializationFailTimeout(10_000);
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new MillraceException(
          "cannot connect to " + redact(url) + ": " + cause.getMessage(), e);
    }
  }

  DataSource dataSource() {
    return pool;
  }

  /** The embedded server started by this command, if it started one. */
  Optional<EmbeddedPostgres> embedded() {
    return Optional.ofNullable(embedded);
  }

  String description() {
    return description;
  }

  /** Closes the pool, then stops the embedded PostgreSQL if this command started it. */
  @Override
  public void close() {
    pool.close();
    if (embedded != null) {
      closeQuietly(embedded);
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException e) {
      log.warn("the embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }

  /** URLs may carry a password as a parameter; never print it. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
