package io.millrace.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The database a benchmark runs against: {@code DATABASE_URL} ({@code
 * postgres://user:pass@host/db}, or a JDBC URL with {@code DATABASE_USER} and {@code
 * DATABASE_PASSWORD}) when set, else an embedded PostgreSQL 17 with production durability. The
 * embedded server's defaults are tuned for tests (fsync and synchronous_commit off), which would
 * flatter every figure; benchmarks turn both back on.
 */
public final class BenchDatabase implements AutoCloseable {
  private final @Nullable EmbeddedPostgres embedded;
  private final HikariDataSource dataSource;
  private final String description;

  private BenchDatabase(
      @Nullable EmbeddedPostgres embedded, HikariDataSource dataSource, String description) {
    this.embedded = embedded;
    this.dataSource = dataSource;
    this.description = description;
  }

  public static BenchDatabase open(int poolSize) throws IOException {
    String url = System.getenv("DATABASE_URL");
    @Nullable EmbeddedPostgres embedded = null;
    String description;
    String user = System.getenv().getOrDefault("DATABASE_USER", "postgres");
    String password = System.getenv().getOrDefault("DATABASE_PASSWORD", "postgres");
    if (url != null) {
      description = url.replaceAll("://([^:/@]*):[^@]*@", "://$1:***@");
      // postgres://user:pass@host:port/db (as other systems' harnesses pass it) or a JDBC URL.
      DatabaseUrl parsed = DatabaseUrl.parse("DATABASE_URL", url);
      url = parsed.jdbcUrl();
      user = parsed.user() == null ? user : parsed.user();
      password = parsed.password() == null ? password : parsed.password();
    } else {
      embedded =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("max_wal_size", "4GB")
              .setServerConfig("shared_buffers", "512MB")
              .setServerConfig("max_connections", "300")
              .start();
      url = embedded.getJdbcUrl("postgres", "postgres");
      description = "embedded PostgreSQL 17, fsync=on, synchronous_commit=on";
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(poolSize);
    return new BenchDatabase(embedded, new HikariDataSource(config), description);
  }

  public HikariDataSource dataSource() {
    return dataSource;
  }

  public String description() {
    return description;
  }

  @Override
  public void close() throws IOException {
    dataSource.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
