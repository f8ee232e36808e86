package io.millrace.jobs;

/**
 * Thrown by a handler to fail its job at once, without retrying: the job is recorded as {@link
 * JobState#FAILED} with this attempt's error, whatever attempts it has left. For failures no retry
 * can fix (bad input, a permanently refused request). Recognised anywhere in the cause chain of
 * what the handler throws, so a framework that wraps it does not turn it back into a retry.
 *
 * <p>A kind's {@link RetryPolicy} can name more exception types that fail at once.
 */
public class NonRetryableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NonRetryableException(String message) {
    super(message);
  }

  public NonRetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}
