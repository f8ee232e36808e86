package io.millrace.test;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's example of the test kit, run as it is written there. */
@MillraceTest
class WelcomeEmailTest {
  @Test
  void sendsTheEmailAndIsEnqueuedWithTheSignup(MillraceTestKit kit) throws Exception {
    Job job =
        kit.runJob(
            "welcome.email",
            Map.class,
            email -> "sent to " + email.args().get("to"),
            Map.of("to", "ada@example.com"));
    assertEquals("sent to ada@example.com", job.result().asText());

    kit.inRolledBackTransaction(
        connection -> {
          kit.client()
              .enqueue(
                  connection, JobRequest.of("welcome.email", Map.of("to", "grace@example.com")));
          kit.assertEnqueued(connection, "welcome.email", Map.of("to", "grace@example.com"));
        });
    kit.assertNotEnqueued("welcome.email");
  }
}
