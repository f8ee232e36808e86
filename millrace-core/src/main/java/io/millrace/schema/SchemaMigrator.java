package io.millrace.schema;

import io.millrace.base.MillraceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;

/**
 * Applies Millrace's versioned, forward-only migrations (shipped in this jar under {@code
 * io/millrace/schema/migrations}) with Flyway, into the configured schema, recording them in
 * Millrace's own history table so they never mix with the application's migrations.
 *
 * <p>{@link #checkCompatible()} is what a node runs at start-up: it refuses a schema that a newer
 * Millrace has migrated past what this build knows, because this build's SQL could corrupt tables
 * whose meaning has changed. Both paths first refuse a PostgreSQL older than 13 ({@link
 * PostgresVersion}).
 */
public final class SchemaMigrator {
  /** The schema version this build writes and understands. Bump with every new migration. */
  public static final int CURRENT_VERSION = 11;

  static final String HISTORY_TABLE = "millrace_schema_history";

  /**
   * Flyway's checksum of V5__projections.sql as released, and of the file now shipped. Flyway
   * checksums every line of an applied migration, comments included, and refuses to migrate when a
   * file no longer matches its recorded checksum. V5 was edited after release in one comment only
   * (it cited a document that is not part of the project), so an installation that applied the
   * released V5 has exactly the same tables; {@link #realignCommentEdits} records the new checksum
   * for precisely that pair. Any other mismatch is left alone and still refused by validation.
   * Flyway's repair is not used because it would accept every changed checksum (and delete failed
   * rows) instead of this one known edit.
   */
  static final int V5_RELEASED_CHECKSUM = 1620167189;

  static final int V5_CHECKSUM = 2043858963;

  private static final MigrationVersion CURRENT =
      MigrationVersion.fromVersion(Integer.toString(CURRENT_VERSION));

  private final DataSource dataSource;
  private final SchemaName schema;

  public SchemaMigrator(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  /** Applies pending migrations; returns the schema version afterwards. */
  public int migrate() {
    PostgresVersion.requireSupported(dataSource);
    checkNotNewer();
    realignCommentEdits();
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
    PostgresVersion.requireSupported(dataSource);
    checkNotNewer();
    realignCommentEdits();
    flyway(MigrationVersion.fromVersion(Integer.toString(version))).migrate();
    return appliedVersion();
  }

  /**
   * Throws unless the server is a supported PostgreSQL and the schema exists at exactly {@link
   * #CURRENT_VERSION}.
   */
  public void checkCompatible() {
    PostgresVersion.requireSupported(dataSource);
    checkNotNewer();
    int applied = appliedVersion();
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

  /**
   * The highest applied migration version, 0 when Millrace was never installed here. A dotted
   * version (a newer release's {@code 7.1}) counts as its major part here; {@link
   * #checkCompatible()} and {@link #migrate()} compare the full version.
   */
  public int appliedVersion() {
    MigrationVersion applied = highestApplied();
    if (applied == null) {
      return 0;
    }
    // A major past int range is simply newer than anything this build knows.
    java.math.BigInteger major = applied.getMajor();
    return major.bitLength() < 32 ? major.intValue() : Integer.MAX_VALUE;
  }

  /**
   * The highest applied version in Flyway's order ({@code 6 < 6.1 < 7}), or null when none. Read as
   * text and compared by Flyway, not cast to a number in SQL: a newer release may write a dotted
   * version, and the refusal to run against its schema must still say so.
   */
  private @Nullable MigrationVersion highestApplied() {
    String sql =
        "SELECT version FROM "
            + schema.quoted()
            + "."
            + HISTORY_TABLE
            + " WHERE success AND version IS NOT NULL";
    try (Connection c = dataSource.getConnection()) {
      if (!historyExists(c)) {
        return null;
      }
      MigrationVersion highest = null;
      try (PreparedStatement ps = c.prepareStatement(sql);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          MigrationVersion version = parse(rs.getString(1));
          if (highest == null || version.compareTo(highest) > 0) {
            highest = version;
          }
        }
      }
      return highest;
    } catch (SQLException e) {
      throw new MillraceException("could not read the schema version of " + schema, e);
    }
  }

  private MigrationVersion parse(String version) {
    try {
      return MigrationVersion.fromVersion(version);
    } catch (RuntimeException e) {
      throw new MillraceException(
          "schema "
              + schema
              + " records migration version '"
              + version
              + "' in "
              + HISTORY_TABLE
              + ", which is not a version this Millrace build can read; it was not written by"
              + " this release. Upgrade this node or inspect that table.",
          e);
    }
  }

  /** Migrations this build ships but the database has not applied yet. */
  public int pendingCount() {
    MigrationInfo[] pending = flyway().info().pending();
    return pending.length;
  }

  private void checkNotNewer() {
    MigrationVersion applied = highestApplied();
    if (applied != null && applied.compareTo(CURRENT) > 0) {
      throw newerSchema(applied.getVersion());
    }
  }

  private MillraceException newerSchema(String applied) {
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

  /**
   * Records V5's new checksum where the released V5 was applied (see {@link
   * #V5_RELEASED_CHECKSUM}), before Flyway validates. One autocommitted statement, matched on both
   * version and old checksum, so it is idempotent, safe for nodes migrating at once, and touches
   * nothing else.
   */
  private void realignCommentEdits() {
    String sql =
        "UPDATE "
            + schema.quoted()
            + "."
            + HISTORY_TABLE
            + " SET checksum = ? WHERE version = '5' AND checksum = ?";
    try (Connection c = dataSource.getConnection()) {
      if (!historyExists(c)) {
        return;
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, V5_CHECKSUM);
        ps.setInt(2, V5_RELEASED_CHECKSUM);
        ps.executeUpdate();
      }
    } catch (SQLException e) {
      throw new MillraceException("could not update the migration history of " + schema, e);
    }
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
    return flyway(MigrationVersion.LATEST);
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
