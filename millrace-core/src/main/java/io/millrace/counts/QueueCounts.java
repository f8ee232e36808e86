package io.millrace.counts;

/**
 * Jobs of one queue by state. {@code available} counts jobs due now (including scheduled and
 * retryable jobs whose time has come); {@code scheduled} and {@code retryable} count those still
 * waiting. The finished states count every job that finished since install, including history that
 * retention has dropped since.
 */
public record QueueCounts(
    String queue,
    long available,
    long scheduled,
    long running,
    long retryable,
    long completed,
    long failed,
    long cancelled) {

  /** completed + failed + cancelled. */
  @com.fasterxml.jackson.annotation.JsonProperty("terminal")
  public long terminal() {
    return completed + failed + cancelled;
  }

  /** Jobs not finished yet. */
  @com.fasterxml.jackson.annotation.JsonProperty("unfinished")
  public long unfinished() {
    return available + scheduled + running + retryable;
  }

  QueueCounts plus(String state, long n) {
    return switch (state) {
      case "available" -> new QueueCounts(queue, available + n, scheduled, running, retryable, completed, failed, cancelled);
      case "scheduled" -> new QueueCounts(queue, available, scheduled + n, running, retryable, completed, failed, cancelled);
      case "running" -> new QueueCounts(queue, available, scheduled, running + n, retryable, completed, failed, cancelled);
      case "retryable" -> new QueueCounts(queue, available, scheduled, running, retryable + n, completed, failed, cancelled);
      case "completed" -> new QueueCounts(queue, available, scheduled, running, retryable, completed + n, failed, cancelled);
      case "failed" -> new QueueCounts(queue, available, scheduled, running, retryable, completed, failed + n, cancelled);
      case "cancelled" -> new QueueCounts(queue, available, scheduled, running, retryable, completed, failed, cancelled + n);
      default -> throw new IllegalArgumentException("unknown state " + state);
    };
  }

  static QueueCounts empty(String queue) {
    return new QueueCounts(queue, 0, 0, 0, 0, 0, 0, 0);
  }
}
