package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * An application that runs its own Flyway migrations (Boot's Flyway auto-configuration, with the
 * Flyway 11 Boot manages) on the same database as Millrace, whose migrator was written against
 * Flyway 10: each keeps its own schema and history table, and both are migrated.
 */
class FlywayPairingTest {
  private static final TestDatabase db = TestDatabase.create("spring_flyway");
  private static final String APP_SCHEMA = db.schema() + "_app";

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(BootLine.FLYWAY, MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()))
          .withPropertyValues(
              "spring.flyway.schemas=" + APP_SCHEMA, "spring.flyway.locations=classpath:db/app");

  @AfterAll
  static void closePool() {
    db.close();
  }

  @Test
  void theApplicationsFlyway11AndMillracesMigratorEachMigrateTheirOwnSchema() throws Exception {
    assertThat(flywayVersion()).as("the Flyway Boot 4 and 3.5 manage").startsWith("11.");
    runner.run(
        context -> {
          assertThat(context).hasNotFailed().hasBean("flyway").hasSingleBean(Millrace.class);
          assertThat(
                  db.column(
                      "SELECT version FROM \""
                          + APP_SCHEMA
                          + "\".flyway_schema_history"
                          + " WHERE success AND version IS NOT NULL ORDER BY installed_rank"))
              .containsExactly("1", "2");
          assertThat(db.count("FROM \"" + APP_SCHEMA + "\".orders")).isZero();
          assertThat(db.count("FROM {schema}.millrace_schema_history WHERE success"))
              .as("Millrace's migrations, in its own history table")
              .isGreaterThanOrEqualTo(9);
          assertThat(
                  db.count(
                      "FROM pg_tables WHERE schemaname = '"
                          + db.schema()
                          + "' AND tablename = 'flyway_schema_history'"))
              .as("the application's history table stays out of Millrace's schema")
              .isZero();
          assertThat(db.count("FROM {schema}.jobs")).isZero();
        });
    // A second start finds both schemas migrated and changes nothing.
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(
                  db.count(
                      "FROM \""
                          + APP_SCHEMA
                          + "\".flyway_schema_history WHERE success AND version IS NOT NULL"))
              .isEqualTo(2);
        });
  }

  private static String flywayVersion() throws Exception {
    try (InputStream in =
        Flyway.class.getResourceAsStream("/org/flywaydb/core/internal/version.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }
}
