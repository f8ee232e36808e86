package io.millrace.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** What went wrong in one attempt: kept with the job for as long as its history is kept. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobError(
    int attempt, Instant at, String node, String message, @Nullable String stack) {}
