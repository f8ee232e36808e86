package io.millrace.spring;

import io.millrace.Millrace;
import io.millrace.health.Readiness;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The node as an operator sees it: UP while Millrace's database answers, DOWN with the error when
 * it does not. Details: node id, schema, whether this node leads the cluster and listens for
 * notifications (false means it relies on polling), and what Millrace's readiness report still
 * waits for. Pending readiness is a detail, not DOWN: catching up is not a failure, and readiness
 * reaches the readiness probe through {@link MillraceAvailability}.
 */
final class MillraceHealthIndicator implements HealthIndicator {
  /** Seconds {@link Connection#isValid} may take. */
  private static final int VALID_TIMEOUT_SECONDS = 2;

  private final Millrace millrace;
  private final DataSource dataSource;

  MillraceHealthIndicator(Millrace millrace, DataSource dataSource) {
    this.millrace = millrace;
    this.dataSource = dataSource;
  }

  @Override
  public Health health() {
    Health.Builder health;
    try (Connection c = dataSource.getConnection()) {
      boolean valid = c.isValid(VALID_TIMEOUT_SECONDS);
      health = valid ? Health.up() : Health.down().withDetail("error", "connection not valid");
      health.withDetail("databaseReachable", valid);
    } catch (SQLException e) {
      health = Health.down(e).withDetail("databaseReachable", false);
    }
    health
        .withDetail("nodeId", millrace.nodeId())
        .withDetail("schema", millrace.schema().value())
        .withDetail("leader", millrace.isLeader())
        .withDetail("listening", millrace.isListening());
    Readiness.Report report = millrace.readiness().report();
    health.withDetail("ready", report.ready());
    if (!report.ready()) {
      health.withDetail(
          "pending", report.pending().stream().map(s -> s.name() + ": " + s.message()).toList());
    }
    return health.build();
  }
}
