package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

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
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The README's Java example, run as written (with a mail outbox standing in for a mail server). */
class ReadmeExampleTest {
  record EmailArgs(String to, String subject) {}

  record Order(long id, String email) {}

  static final List<EmailArgs> outbox = new CopyOnWriteArrayList<>();

  static void send(String to, String subject) {
    outbox.add(new EmailArgs(to, subject));
  }

  @Test
  void theReadmeExampleRuns() throws Exception {
    try (TestDatabase db = TestDatabase.create("readme")) {
      DataSource dataSource = db.dataSource();
      db.execute(
          "CREATE TABLE public.readme_orders_"
              + db.schema()
              + " (id bigint PRIMARY KEY, email text)");

      Millrace millrace =
          db.builder() // Millrace.builder(dataSource) + test timings
              .queue("mail", 8)
              .handler(
                  "email.send",
                  EmailArgs.class,
                  job -> {
                    send(job.args().to(), job.args().subject());
                    return Map.of("sent", true);
                  })
              .handler("email.digest", Map.class, job -> null)
              .periodic(
                  PeriodicJob.of(
                      "digest",
                      Schedule.cron("0 7 * * *"),
                      JobRequest.of("email.digest", Map.of()).queue("mail")))
              .build();
      millrace.migrate();
      millrace.start();
      try {
        Order order = new Order(42, "ada@example.com");
        long id;
        try (Connection c = dataSource.getConnection()) {
          c.setAutoCommit(false);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO public.readme_orders_"
                      + db.schema()
                      + " (id, email) VALUES (?, ?)")) {
            ps.setLong(1, order.id());
            ps.setString(2, order.email());
            ps.executeUpdate();
          }
          id =
              millrace
                  .enqueue(
                      c,
                      JobRequest.of("email.send", new EmailArgs(order.email(), "Thanks!"))
                          .queue("mail")
                          .uniqueKey("order-confirmation:" + order.id())
                          .maxAttempts(5))
                  .id();
          c.commit();
        }
        Await.until(
            "confirmation sent",
            () -> millrace.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
        Job job = millrace.admin().get(id).orElseThrow();
        assertThat(job.result().get("sent").asBoolean()).isTrue();
        assertThat(outbox).containsExactly(new EmailArgs("ada@example.com", "Thanks!"));
        assertThat(db.count("FROM {schema}.schedules WHERE name = 'digest'")).isEqualTo(1);
      } finally {
        millrace.close();
        db.execute("DROP TABLE public.readme_orders_" + db.schema());
      }
    }
  }
}
