package io.millrace.jobs;

import org.jspecify.annotations.Nullable;

/**
 * Runs one kind of job. Return a result (serialised to JSON and kept with the job's history, or
 * {@code null}), or an {@link Outcome} from {@link JobContext#snooze} or {@link JobContext#cancel}.
 * Throw to fail the attempt: it is retried with backoff until the job's attempts run out, as the
 * kind's {@link RetryPolicy} says; throw {@link NonRetryableException} (or a type the policy lists)
 * to fail the job at once.
 *
 * <p>Handlers run at least once per job: a node that dies mid-job has its attempt rescued and run
 * again elsewhere. Make effects idempotent, or record them in the database under the job's id.
 *
 * @param <A> the type the job's JSON args are deserialised into ({@code JsonNode} for raw JSON)
 */
@FunctionalInterface
public interface JobHandler<A> {
  @Nullable Object handle(JobContext<A> job) throws Exception;
}
