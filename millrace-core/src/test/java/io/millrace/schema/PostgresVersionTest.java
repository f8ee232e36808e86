package io.millrace.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.MillraceException;
import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The minimum PostgreSQL version: examples of the check itself, and the live server, which is a
 * supported major in every run of the build (the pg13 ... pg18 profiles) and an unsupported one
 * when the run names an older server, e.g. {@code -Dpostgres-binaries-linux.version=12.22.0
 * -Dmillrace.test.postgres=12}: then migrate and start must refuse before writing anything.
 */
@Tag("compat")
class PostgresVersionTest {
  @Test
  void serversOlderThanThirteenAreRefusedNamingTheMinimum() {
    assertThatThrownBy(() -> PostgresVersion.requireSupported("12.22", "120022"))
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("PostgreSQL 12.22 is too old for Millrace")
        .hasMessageContaining("needs PostgreSQL 13 or newer")
        .hasMessageContaining("xid8");
    assertThatThrownBy(
            () -> PostgresVersion.requireSupported("9.6.24 (Debian 9.6.24-1.pgdg90+1)", "90624"))
        .hasMessageContaining("PostgreSQL 9.6.24 (Debian 9.6.24-1.pgdg90+1) is too old");
    assertThatThrownBy(() -> PostgresVersion.requireSupported("10.0", "100000"))
        .hasMessageContaining("needs PostgreSQL 13 or newer");
  }

  @Test
  void thirteenAndNewerAreAccepted() {
    assertThatCode(() -> PostgresVersion.requireSupported("13.0", "130000"))
        .doesNotThrowAnyException();
    assertThatCode(() -> PostgresVersion.requireSupported("17.2", "170002"))
        .doesNotThrowAnyException();
    assertThatCode(() -> PostgresVersion.requireSupported("18beta1", "180000"))
        .doesNotThrowAnyException();
    assertThat(PostgresVersion.major("13.23", "130023")).isEqualTo(13);
    assertThat(PostgresVersion.major("9.6.24", "90624")).isEqualTo(9);
  }

  @Test
  void anUnreadableVersionNumberIsAClearErrorNotANumberFormatException() {
    assertThatThrownBy(() -> PostgresVersion.requireSupported("13.1", "thirteen"))
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("server_version_num is 'thirteen'")
        .hasMessageContaining("needs PostgreSQL 13 or newer");
    assertThatThrownBy(() -> PostgresVersion.requireSupported("13.1", null))
        .isInstanceOf(MillraceException.class);
  }

  @Test
  void migrateAndStartFollowTheLiveServersVersion() {
    try (TestDatabase db = TestDatabase.create("pgversion")) {
      int major =
          Integer.parseInt(db.column("SELECT current_setting('server_version_num')").get(0))
              / 10_000;
      Millrace node = db.builder().build();
      if (major >= PostgresVersion.MINIMUM_MAJOR) {
        assertThat(node.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
        node.start();
        node.close();
      } else {
        assertThatThrownBy(node::migrate)
            .isInstanceOf(MillraceException.class)
            .hasMessageContaining("is too old for Millrace: it needs PostgreSQL 13 or newer");
        assertThatThrownBy(node::start).hasMessageContaining("needs PostgreSQL 13 or newer");
        assertThat(node.readiness().report().ready()).isFalse();
        // Refused before Flyway ran: not even the schema was created.
        assertThat(db.count("FROM pg_namespace WHERE nspname = '" + db.schema() + "'")).isZero();
      }
    }
  }
}
