package io.millrace.examples.springboot;

import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** A sign-up service: each sign-up is stored and its welcome email enqueued in one transaction. */
@SpringBootApplication
public class SignupApplication {
  public static void main(String[] args) {
    SpringApplication.run(SignupApplication.class, args);
  }

  @Bean
  PeriodicJob dailyDigest() {
    return PeriodicJob.of(
        "daily-digest", Schedule.cron("0 6 * * *"), JobRequest.of("digest.send", Map.of()));
  }
}
