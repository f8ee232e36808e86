package io.millrace.test;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.jobs.JobState;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An unfinished job as {@link MillraceTestKit#assertEnqueued} found it, possibly through the test's
 * own uncommitted transaction.
 *
 * @param args the args as stored (what the node's codec wrote)
 * @param runAt when it is due
 */
public record EnqueuedJob(
    long id,
    String queue,
    String kind,
    JobState state,
    JsonNode args,
    int priority,
    int maxAttempts,
    List<String> tags,
    @Nullable String uniqueKey,
    Instant runAt) {}
