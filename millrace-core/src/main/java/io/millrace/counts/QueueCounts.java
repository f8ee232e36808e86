package io.millrace.counts;

/**
 * Jobs of one queue by state. {@code available} counts jobs due now (including scheduled and
 * retryable jobs whose time has come); {@code scheduled} and {@code retryable} count those still
 * waiting; {@code pending} counts workflow members waiting for their parents. The finished states
 * count every job that finished since install, including history that retention has dropped since;
 * {@code skipped} counts workflow members whose parents made them moot.
 */
public record QueueCounts(
    String queue,
    long available,
    long scheduled,
    long running,
    long retryable,
    long pending,
    long completed,
    long failed,
    long cancelled,
    long skipped) {

  /** completed + failed + cancelled + skipped. */
  @com.fasterxml.jackson.annotation.JsonProperty("terminal")
  public long terminal() {
    return completed + failed + cancelled + skipped;
  }

  /** Jobs not finished yet. */
  @com.fasterxml.jackson.annotation.JsonProperty("unfinished")
  public long unfinished() {
    return available + scheduled + running + retryable + pending;
  }

  QueueCounts plus(String state, long n) {
    long[] v = {
      available, scheduled, running, retryable, pending, completed, failed, cancelled, skipped
    };
    int i =
        switch (state) {
          case "available" -> 0;
          case "scheduled" -> 1;
          case "running" -> 2;
          case "retryable" -> 3;
          case "pending" -> 4;
          case "completed" -> 5;
          case "failed" -> 6;
          case "cancelled" -> 7;
          case "skipped" -> 8;
          default -> throw new IllegalArgumentException("unknown state " + state);
        };
    v[i] += n;
    return new QueueCounts(queue, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
  }

  /** A queue with no jobs in any state. */
  public static QueueCounts empty(String queue) {
    return new QueueCounts(queue, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
}
