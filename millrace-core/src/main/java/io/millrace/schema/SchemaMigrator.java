package io.millrace.schema;

import io.millrace.MillraceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies Millrace's versioned, forward-only migrations (shipped in this jar under {@code
 * io/millrace/schema/migrations}) with Flyway, into the configured schema, recording them in
 * Millrace's own history table so they never mix with the application's migrations.
 *
 * <p>{@link #checkCompatible()} is what a node runs at start-up: it refuses a schema that a newer
 * Millrace has migrated past what this build knows, because this build's SQL could corrupt tables
 * whose meaning has changed.
 */
public final class SchemaMigrator {
  /** The schema version this build writes and understands. Bump with every new migration. */
  public static final int CURRENT_VERSION = 7;

  static final String HISTORY_TABLE = "millrace_schema_history";

  private final DataSource dataSource;
  private final SchemaName schema;

  public SchemaMigrator(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /** Applies pending migrations; returns the schema version afterwards. */
  public int migrate() {
    checkNotNewer();
    MigrateResult result = flyway().migrate();
    if (!result.success) {
      throw new MillraceException("migration of schema " + schema + " failed: " + result.warnings);
    }
    return appliedVersion();
  }

  /**
   * Applies pending migrations up to and including {@code version} only: for staged upgrades and
   * for testing how a schema written by an older release is upgraded.
   */
  public int migrateTo(int version) {
    checkNotNewer();
    flyway(org.flywaydb.core.api.MigrationVersion.fromVersion(Integer.toString(version))).migrate();
    return appliedVersion();
  }

  /** Throws unless the schema exists at exactly {@link #CURRENT_VERSION}. */
  public void checkCompatible() {
    int applied = appliedVersion();
    if (applied > CURRENT_VERSION) {
      throw newerSchema(applied);
    }
    if (applied < CURRENT_VERSION) {
      throw new MillraceException(
          "schema "
              + schema
              + " is at version "
              + applied
              + " but this node needs version "
              + CURRENT_VERSION
              + "; run `millrace migrate` (or Millrace.migrate()) first");
    }
  }

  /** The highest applied migration version, 0 when Millrace was never installed here. */
  public int appliedVersion() {
    String sql =
        "SELECT max(version::int) FROM "
            + schema.quoted()
            + "."
            + HISTORY_TABLE
            + " WHERE success AND version IS NOT NULL";
    try (Connection c = dataSource.getConnection()) {
      if (!historyExists(c)) {
        return 0;
      }
      try (PreparedStatement ps = c.prepareStatement(sql);
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new MillraceException("could not read the schema version of " + schema, e);
    }
  }

  /** Migrations this build ships but the database has not applied yet. */
  public int pendingCount() {
    MigrationInfo[] pending = flyway().info().pending();
    return pending.length;
  }

  private void checkNotNewer() {
    int applied = appliedVersion();
    if (applied > CURRENT_VERSION) {
      throw newerSchema(applied);
    }
  }

  private MillraceException newerSchema(int applied) {
    return new MillraceException(
        "schema "
            + schema
            + " is at version "
            + applied
            + ", newer than this Millrace build knows ("
            + CURRENT_VERSION
            + "); it was migrated by a newer release. Upgrade this node instead of running it"
            + " against that schema.");
  }

  private boolean historyExists(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = ? AND tablename = ?")) {
      ps.setString(1, schema.value());
      ps.setString(2, HISTORY_TABLE);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private Flyway flyway() {
    return flyway(org.flywaydb.core.api.MigrationVersion.LATEST);
  }

  private Flyway flyway(org.flywaydb.core.api.MigrationVersion target) {
    return Flyway.configure(SchemaMigrator.class.getClassLoader())
        .target(target)
        .dataSource(dataSource)
        .schemas(schema.value())
        .createSchemas(true)
        .table(HISTORY_TABLE)
        .locations("classpath:io/millrace/schema/migrations")
        .placeholders(Map.of("schema", schema.quoted(), "channel", schema.jobsChannel()))
        .placeholderReplacement(true)
        // All pending migrations in one transaction: a schema is never left half-migrated, and a
        // migration can tell that the schema was created in this same run (see V2__counts.sql).
        .group(true)
        .validateMigrationNaming(true)
        .ignoreMigrationPatterns("*:future")
        .load();
  }
}
