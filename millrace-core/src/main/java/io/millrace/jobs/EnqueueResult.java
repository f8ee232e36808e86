package io.millrace.jobs;

/**
 * The job an enqueue produced. {@code duplicate} is true when the unique key was already held by an
 * unfinished job, whose id is returned instead of a new one.
 */
public record EnqueueResult(long id, boolean duplicate) {}
