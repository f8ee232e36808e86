package io.millrace.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.MillraceException;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("compat")
class SchemaMigratorTest {
  @Test
  void migrateIsIdempotentAndANodeRefusesANewerSchema() {
    try (TestDatabase db = TestDatabase.create("schema")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      assertThat(migrator.appliedVersion()).isZero();
      assertThat(migrator.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
      assertThat(migrator.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
      assertThat(migrator.pendingCount()).isZero();

      // A newer Millrace migrated this schema further than this build knows.
      db.execute(
          "INSERT INTO {schema}.millrace_schema_history (installed_rank, version, description, type,"
              + " script, checksum, installed_by, execution_time, success)"
              + " VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql', 0, 'test', 0, true)");
      Millrace node = db.builder().build();
      assertThatThrownBy(node::start)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining(
              "at version 99, newer than this Millrace build knows ("
                  + SchemaMigrator.CURRENT_VERSION
                  + ")");
      assertThatThrownBy(node::migrate)
          .hasMessageContaining("newer than this Millrace build knows");
      assertThat(node.readiness().report().ready()).isFalse();
    }
  }

  @Test
  void aDottedNewerVersionIsRefusedWithTheSameClearMessage() {
    try (TestDatabase db = TestDatabase.create("dotted")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrate();
      // A newer release's point migration, e.g. 7.1 after this build's 7.
      String dotted = SchemaMigrator.CURRENT_VERSION + ".1";
      db.execute(
          "INSERT INTO {schema}.millrace_schema_history (installed_rank, version, description, type,"
              + " script, checksum, installed_by, execution_time, success)"
              + " VALUES (99, '"
              + dotted
              + "', 'point release', 'SQL', 'V"
              + dotted
              + "__point.sql', 0, 'test', 0, true)");
      String refusal =
          "at version "
              + dotted
              + ", newer than this Millrace build knows ("
              + SchemaMigrator.CURRENT_VERSION
              + ")";
      assertThatThrownBy(migrator::checkCompatible)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining(refusal);
      assertThatThrownBy(migrator::migrate).hasMessageContaining(refusal);
      Millrace node = db.builder().build();
      assertThatThrownBy(node::start).hasMessageContaining(refusal);
      assertThat(node.readiness().report().ready()).isFalse();
    }
  }

  @Test
  void anUnreadableVersionIsRefusedNamingIt() {
    try (TestDatabase db = TestDatabase.create("garbled")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrate();
      db.execute(
          "INSERT INTO {schema}.millrace_schema_history (installed_rank, version, description, type,"
              + " script, checksum, installed_by, execution_time, success)"
              + " VALUES (99, 'seven', 'unknown', 'SQL', 'Vseven__x.sql', 0, 'test', 0, true)");
      assertThatThrownBy(migrator::checkCompatible)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining("records migration version 'seven'");
    }
  }

  @Test
  void anInstallationOfTheReleasedV5MigratesAndRecordsTheEditedChecksum() {
    try (TestDatabase db = TestDatabase.create("v5_released")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrateTo(5);
      // The file shipped now is what a fresh installation records.
      assertThat(v5Checksum(db)).isEqualTo(SchemaMigrator.V5_CHECKSUM);
      // An installation that applied V5 as released, before its comment was edited.
      setV5Checksum(db, SchemaMigrator.V5_RELEASED_CHECKSUM);

      assertThat(migrator.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
      assertThat(v5Checksum(db)).isEqualTo(SchemaMigrator.V5_CHECKSUM);
      assertThat(migrator.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
    }
  }

  @Test
  void aV5WithAnyOtherChecksumIsStillRefused() {
    try (TestDatabase db = TestDatabase.create("v5_tampered")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrateTo(5);
      int other = SchemaMigrator.V5_RELEASED_CHECKSUM + 1;
      setV5Checksum(db, other);

      assertThatThrownBy(migrator::migrate).hasMessageContaining("checksum mismatch");
      assertThat(v5Checksum(db)).isEqualTo(other);
      assertThat(migrator.appliedVersion()).isEqualTo(5);
    }
  }

  private static void setV5Checksum(TestDatabase db, int checksum) {
    db.execute(
        "UPDATE {schema}.millrace_schema_history SET checksum = "
            + checksum
            + " WHERE version = '5'");
  }

  private static int v5Checksum(TestDatabase db) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT checksum FROM "
                    + db.schema()
                    + ".millrace_schema_history WHERE version = '5'");
        ResultSet rs = ps.executeQuery()) {
      assertThat(rs.next()).isTrue();
      return rs.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aNodeRefusesToStartOnAnUnmigratedSchema() {
    try (TestDatabase db = TestDatabase.create("unmigrated")) {
      Millrace node = db.builder().build();
      assertThatThrownBy(node::start).hasMessageContaining("run `millrace migrate`");
      assertThat(node.readiness().report().ready()).isFalse();
      node.migrate();
      assertThat(node.readiness().report().ready()).isTrue();
    }
  }
}
