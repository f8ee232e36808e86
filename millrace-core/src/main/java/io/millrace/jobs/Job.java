package io.millrace.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A job as operators see it, whether it is still in the hot table or already in history.
 *
 * @param result what the handler returned (completed jobs only), or null
 * @param errors one entry per failed attempt, oldest first
 * @param runAt when it is due (unfinished jobs only)
 * @param attemptedBy the node running it (running jobs only)
 * @param finishedAt when it finished (finished jobs only)
 */
public record Job(
    long id,
    String queue,
    String kind,
    JobState state,
    JsonNode args,
    int priority,
    int attempt,
    int maxAttempts,
    @Nullable String uniqueKey,
    List<String> tags,
    @Nullable JsonNode result,
    List<JobError> errors,
    Instant createdAt,
    @Nullable Instant runAt,
    @Nullable Instant attemptedAt,
    @Nullable String attemptedBy,
    @Nullable Instant finishedAt,
    @Nullable Instant cancelRequestedAt) {}
