package io.millrace.jobs;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One attempt a worker holds: (id, attempt) is the lease token every later write is fenced by.
 * {@code traceparent} and {@code tracestate} are the W3C trace context stored at enqueue (null when
 * the job was enqueued outside any span); {@code workflowMember} whether it is a workflow's step.
 */
record ClaimedJob(
    long id,
    int attempt,
    String queue,
    String kind,
    String argsJson,
    int priority,
    int maxAttempts,
    List<String> tags,
    @Nullable Long timeoutMs,
    Instant createdAt,
    Instant runAt,
    @Nullable String traceparent,
    @Nullable String tracestate,
    boolean workflowMember) {}
