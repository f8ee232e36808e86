package io.millrace.examples.springboot;

import io.millrace.jobs.JobContext;
import io.millrace.spring.MillraceHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Sends the welcome email (here: records it). At least once, like every handler: the insert is
 * idempotent, so a rescued attempt that runs again sends nothing twice.
 */
@Component
public class WelcomeEmailHandler implements MillraceHandler<WelcomeEmail> {
  private final JdbcClient jdbc;

  public WelcomeEmailHandler(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public String kind() {
    return "welcome.email";
  }

  @Override
  public Class<WelcomeEmail> argsType() {
    return WelcomeEmail.class;
  }

  @Override
  public Object handle(JobContext<WelcomeEmail> job) {
    return jdbc.sql("INSERT INTO sent_emails (signup_email) VALUES (?) ON CONFLICT DO NOTHING")
        .param(job.args().email())
        .update();
  }
}
