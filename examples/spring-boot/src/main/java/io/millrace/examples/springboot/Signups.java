package io.millrace.examples.springboot;

import io.millrace.jobs.JobRequest;
import io.millrace.spring.MillraceTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Stores a sign-up and enqueues its welcome email: both commit, or neither does. */
@Service
public class Signups {
  private final JdbcClient jdbc;
  private final MillraceTemplate millrace;

  public Signups(JdbcClient jdbc, MillraceTemplate millrace) {
    this.jdbc = jdbc;
    this.millrace = millrace;
  }

  @Transactional
  public long signUp(String email) {
    long id =
        jdbc.sql("INSERT INTO signups (email) VALUES (?) RETURNING id")
            .param(email)
            .query(Long.class)
            .single();
    millrace.enqueue(JobRequest.of("welcome.email", new WelcomeEmail(email)));
    return id;
  }
}
