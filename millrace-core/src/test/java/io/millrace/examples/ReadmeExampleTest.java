package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The README's Java example, run as written (DocsTest checks the text is here). It runs in a
 * database of its own so that the example's {@code Millrace.builder(dataSource)} works with the
 * default schema and timings; a mail outbox stands in for a mail server.
 */
class ReadmeExampleTest {
  record EmailArgs(String to, String subject) {}

  record Order(long id, String email) {}

  /** The example's mailer: records what it sends. */
  static final class Mailer {
    final List<EmailArgs> outbox = new CopyOnWriteArrayList<>();

    void send(String to, String subject) {
      outbox.add(new EmailArgs(to, subject));
    }
  }

  /** The example's digest sender; the cron schedule is only registered here, never due. */
  static final class Digests {
    Map<String, Object> sendAll() {
      return Map.of("digests", 0);
    }
  }

  /** The example's order table, in the application's own transaction. */
  static final class Orders {
    void insert(Connection c, Order order) throws Exception {
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO public.readme_orders (id, email) VALUES (?, ?)")) {
        ps.setLong(1, order.id());
        ps.setString(2, order.email());
        ps.executeUpdate();
      }
    }
  }

  @Test
  void theReadmeExampleRuns() throws Exception {
    Mailer mailer = new Mailer();
    Digests digests = new Digests();
    Orders orders = new Orders();
    Order order = new Order(42, "ada@example.com");
    try (HikariDataSource dataSource =
        TestDatabase.pool(TestDatabase.otherDatabaseUrl("readme_example"), 10)) {
      try (Connection c = dataSource.getConnection()) {
        c.createStatement()
            .execute("CREATE TABLE IF NOT EXISTS public.readme_orders (id bigint, email text)");
      }
      Millrace millrace =
          Millrace.builder(dataSource) // any javax.sql.DataSource (HikariCP, ...)
              .queue("mail", 8) // up to 8 handlers at once on this node
              .handler(
                  "email.send",
                  EmailArgs.class,
                  job -> {
                    mailer.send(job.args().to(), job.args().subject());
                    return Map.of("sent", true); // kept with the job's history
                  })
              .handler("email.digest", Map.class, job -> digests.sendAll())
              .periodic(
                  PeriodicJob.of(
                      "digest",
                      Schedule.cron("0 7 * * *"), // daily at 07:00 UTC, once per tick
                      JobRequest.of("email.digest", Map.of())
                          .queue("mail"))) // across the whole cluster
              .build();
      millrace.migrate(); // or `millrace migrate`
      millrace.start();
      try {
        // Enqueue inside your own transaction: the job exists only if you commit.
        try (Connection c = dataSource.getConnection()) {
          c.setAutoCommit(false);
          orders.insert(c, order);
          millrace.enqueue(
              c,
              JobRequest.of("email.send", new EmailArgs(order.email(), "Thanks!"))
                  .queue("mail")
                  .uniqueKey("order-confirmation:" + order.id()) // one unfinished job per key
                  .maxAttempts(5));
          c.commit();
        }
        Await.until("confirmation sent", () -> mailer.outbox.size() == 1);
        long id =
            count(
                dataSource,
                "SELECT id FROM millrace.jobs WHERE kind = 'email.send'"
                    + " UNION ALL SELECT id FROM millrace.job_history WHERE kind = 'email.send'");
        Await.until(
            "the job's result is kept",
            () -> millrace.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
        Job job = millrace.admin().get(id).orElseThrow();
        assertThat(job.result().get("sent").asBoolean()).isTrue();
        assertThat(mailer.outbox).containsExactly(new EmailArgs("ada@example.com", "Thanks!"));
        Await.until(
            "the cron schedule is registered",
            () ->
                count(dataSource, "SELECT count(*) FROM millrace.schedules WHERE name = 'digest'")
                    == 1);
      } finally {
        millrace.close();
        try (Connection c = dataSource.getConnection()) {
          c.createStatement().execute("DROP TABLE public.readme_orders");
        }
      }
    }
  }

  private static long count(HikariDataSource dataSource, String sql) {
    try (Connection c = dataSource.getConnection();
        var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
