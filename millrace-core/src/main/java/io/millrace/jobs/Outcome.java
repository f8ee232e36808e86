package io.millrace.jobs;

import java.time.Duration;

/** Outcomes a handler can return instead of a result. */
public sealed interface Outcome {
  /** Run again after {@code delay} without spending an attempt. */
  record Snooze(Duration delay) implements Outcome {}

  /** Stop for good: the job is recorded as cancelled with the reason. */
  record Cancel(String reason) implements Outcome {}
}
