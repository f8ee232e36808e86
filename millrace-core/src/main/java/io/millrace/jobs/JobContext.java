package io.millrace.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * What a handler knows about the attempt it runs. Cancellation (an operator's cancel, a lost lease,
 * a timeout or shutdown) interrupts the handler's thread and sets {@link #isCancelled()}; a long
 * handler should check it between steps or call {@link #checkCancelled()}.
 */
public final class JobContext<A> {
  private final long id;
  private final int attempt;
  private final int maxAttempts;
  private final String queue;
  private final String kind;
  private final A args;
  private final String argsJson;
  private final List<String> tags;
  private final Instant createdAt;
  private volatile @Nullable String cancelReason;

  JobContext(ClaimedJob job, A args) {
    this.id = job.id();
    this.attempt = job.attempt();
    this.maxAttempts = job.maxAttempts();
    this.queue = job.queue();
    this.kind = job.kind();
    this.args = args;
    this.argsJson = job.argsJson();
    this.tags = job.tags();
    this.createdAt = job.createdAt();
  }

  public long id() {
    return id;
  }

  /** 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public String queue() {
    return queue;
  }

  public String kind() {
    return kind;
  }

  public A args() {
    return args;
  }

  public String argsJson() {
    return argsJson;
  }

  public List<String> tags() {
    return tags;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public boolean isCancelled() {
    return cancelReason != null;
  }

  /** Why the attempt was cancelled, or null. */
  public @Nullable String cancelReason() {
    return cancelReason;
  }

  /** Throws {@link CancellationException} if this attempt should stop. */
  public void checkCancelled() {
    String reason = cancelReason;
    if (reason != null) {
      throw new CancellationException(reason);
    }
  }

  /**
   * Returns an outcome that runs the job again after {@code delay}, not spending an attempt.
   *
   * @throws io.millrace.base.ValidationException unless {@code delay} is between zero and {@link
   *     io.millrace.base.Storable#MAX_DURATION}
   */
  public Outcome snooze(Duration delay) {
    if (delay == null) {
      throw new io.millrace.base.ValidationException("delay", "must not be null");
    }
    return new Outcome.Snooze(io.millrace.base.Storable.duration("delay", delay));
  }

  /** Returns an outcome that records the job as cancelled, with the reason (escaped if need be). */
  public Outcome cancel(String reason) {
    return new Outcome.Cancel(reason == null ? "cancelled by handler" : reason);
  }

  void markCancelled(String reason) {
    if (cancelReason == null) {
      cancelReason = reason;
    }
  }
}
