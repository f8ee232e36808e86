package io.millrace.jobs;

import io.millrace.base.ValidationException;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a kind of job is retried: how many attempts it gets, how long it waits between them, and
 * which failures end it at once. Set per kind with {@code MillraceBuilder.retryPolicy(kind,
 * policy)}, and for every other kind with {@code MillraceBuilder.retryPolicy(policy)}.
 *
 * <pre>{@code
 * RetryPolicy.DEFAULT
 *     .withMaxAttempts(5)
 *     .withBackoff(Backoff.exponential(Duration.ofSeconds(10), 3, Duration.ofMinutes(30), 0.1))
 *     .withNonRetryable(IllegalArgumentException.class);
 * }</pre>
 *
 * <p><b>Max attempts</b> are decided when a job is enqueued and stored with it: a {@link
 * JobRequest#maxAttempts(int)} set on the request wins, then the policy of the job's kind on the
 * enqueuing node, then the node's default policy. A later change of policy does not reach jobs
 * already enqueued. <b>Backoff and non-retryable failures</b> are decided by the node that ran the
 * failed attempt, from its policy for the kind.
 *
 * <p><b>Non-retryable failures</b>: a handler that throws a {@link NonRetryableException}, or an
 * exception that is an instance of one of {@link #nonRetryable} (subclasses included), fails its
 * job at once, as {@link JobState#FAILED}, with that attempt's error recorded. The thrown exception
 * and its causes are examined, so a wrapper (an {@code ExecutionException}, a framework's runtime
 * exception) does not hide what it wraps. Attempts that time out, lose their lease to a dead node's
 * rescue, or fail for Millrace's own reasons (no handler on this node) are retried as usual,
 * whatever they throw.
 *
 * @param maxAttempts attempts before the job fails for good, 1 to {@value
 *     JobRequest#MAX_ATTEMPTS_LIMIT} (default {@value JobRequest#DEFAULT_MAX_ATTEMPTS})
 * @param backoff the wait between failed attempts (default {@link Backoff#DEFAULT})
 * @param nonRetryable exception types that fail the job at once (default none)
 */
public record RetryPolicy(
    int maxAttempts, Backoff backoff, List<Class<? extends Throwable>> nonRetryable) {
  /** How deep a cause chain is searched: a cycle or a pathological chain ends the search. */
  private static final int MAX_CAUSES = 64;

  /**
   * 20 attempts, {@link Backoff#DEFAULT}, nothing non-retryable but {@link NonRetryableException}.
   */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(JobRequest.DEFAULT_MAX_ATTEMPTS, Backoff.DEFAULT, List.of());

  public RetryPolicy {
    if (maxAttempts < 1 || maxAttempts > JobRequest.MAX_ATTEMPTS_LIMIT) {
      throw new ValidationException(
          "maxAttempts",
          "must be between 1 and " + JobRequest.MAX_ATTEMPTS_LIMIT + ", got " + maxAttempts);
    }
    if (backoff == null) {
      throw new ValidationException("backoff", "must not be null");
    }
    if (nonRetryable == null) {
      throw new ValidationException("nonRetryable", "must be a list of exception types");
    }
    for (Class<?> type : nonRetryable) {
      // (List.of refuses contains(null), so each element is checked here.)
      if (type == null) {
        throw new ValidationException("nonRetryable", "must not contain null");
      }
      if (!Throwable.class.isAssignableFrom(type)) {
        throw new ValidationException("nonRetryable", type.getName() + " is not an exception type");
      }
    }
    nonRetryable = List.copyOf(nonRetryable);
  }

  /** The default policy with {@code maxAttempts} and {@code backoff}. */
  public static RetryPolicy of(int maxAttempts, Backoff backoff) {
    return new RetryPolicy(maxAttempts, backoff, List.of());
  }

  public RetryPolicy withMaxAttempts(int maxAttempts) {
    return new RetryPolicy(maxAttempts, backoff, nonRetryable);
  }

  public RetryPolicy withBackoff(Backoff backoff) {
    return new RetryPolicy(maxAttempts, backoff, nonRetryable);
  }

  /** This policy with {@code types} (and their subclasses) failing the job at once. */
  @SafeVarargs
  public final RetryPolicy withNonRetryable(Class<? extends Throwable>... types) {
    if (types == null) {
      throw new ValidationException("nonRetryable", "must be a list of exception types");
    }
    return withNonRetryable(Arrays.asList(types));
  }

  /** This policy with exactly {@code types} (and their subclasses) failing the job at once. */
  public RetryPolicy withNonRetryable(List<Class<? extends Throwable>> types) {
    return new RetryPolicy(maxAttempts, backoff, types);
  }

  /**
   * Whether a handler that threw {@code thrown} fails its job at once: {@code thrown} or one of its
   * causes is a {@link NonRetryableException} or an instance of a {@link #nonRetryable} type.
   */
  public boolean failsAtOnce(@Nullable Throwable thrown) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = thrown;
        t != null && seen.size() < MAX_CAUSES && seen.add(t);
        t = t.getCause()) {
      if (t instanceof NonRetryableException) {
        return true;
      }
      for (Class<? extends Throwable> type : nonRetryable) {
        if (type.isInstance(t)) {
          return true;
        }
      }
    }
    return false;
  }
}
