package io.millrace.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A kit's lifecycle outside the extension: its own schema, dropped when it closes. */
class TestServerTest {
  @Test
  void eachKitHasItsOwnMigratedSchemaWhichClosingDrops() throws Exception {
    try (MillraceTestKit watcher = MillraceTestKit.create(TestServerTest.class)) {
      String schema;
      try (MillraceTestKit kit = MillraceTestKit.create(TestServerTest.class)) {
        schema = kit.schema();
        assertThat(schema).isNotEqualTo(watcher.schema()).startsWith("mt_testservertest_");
        kit.client().enqueue(JobRequest.of("probe", Map.of()));
        assertThat(kit.assertEnqueued("probe")).hasSize(1);
        watcher.assertNotEnqueued("probe");
        assertThat(schemaExists(watcher, schema)).isTrue();
      }
      assertThat(schemaExists(watcher, schema)).isFalse();
    }
  }

  @Test
  void aConfiguredDatabaseUrlIsUsedInsteadOfTheEmbeddedServer() throws Exception {
    String url;
    try (MillraceTestKit embedded = MillraceTestKit.create(TestServerTest.class);
        Connection c = embedded.dataSource().getConnection()) {
      url =
          c.getMetaData().getURL()
              + (c.getMetaData().getURL().contains("?") ? "&" : "?")
              + "user=postgres&password=postgres&ApplicationName=configured";
    }
    System.setProperty(TestServer.URL_SETTING, url);
    try (MillraceTestKit kit = MillraceTestKit.create(TestServerTest.class);
        Connection c = kit.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('application_name')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("configured");
    } finally {
      System.clearProperty(TestServer.URL_SETTING);
    }
  }

  @Test
  void runJobRefusesAUniqueKeyAnUnfinishedJobHolds() throws Exception {
    try (MillraceTestKit kit = MillraceTestKit.create(TestServerTest.class)) {
      kit.client().enqueue(JobRequest.of("once", Map.of()).uniqueKey("k1"));
      assertThatThrownBy(
              () ->
                  kit.runJob(
                      kit.builder().handler("once", Map.class, j -> null),
                      JobRequest.of("once", Map.of()).uniqueKey("k1")))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("unique key");
    }
  }

  private static boolean schemaExists(MillraceTestKit kit, String schema) throws Exception {
    try (Connection c = kit.dataSource().getConnection();
        var ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
