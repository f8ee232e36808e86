package io.millrace.bench.adapter;

import io.millrace.jobs.JobRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark job's args: when the producer enqueued it (epoch microseconds, the start of the
 * latency the handler records) and padding that brings the JSON document to the configured size.
 */
record BenchArgs(long enqueuedAtMicros, String pad) {
  static final String KIND = "bench.job";
  static final String QUEUE = "bench";

  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  /** Builds batches of requests whose args serialise to about {@code payloadBytes} each. */
  static final class Factory {
    private final String pad;

    Factory(int payloadBytes) {
      int overhead =
          JobRequest.of(KIND, new BenchArgs(nowMicros(), ""))
              .argsJson(io.millrace.base.Jackson2Codec.defaults())
              .length();
      this.pad = "x".repeat(Math.max(0, payloadBytes - overhead));
    }

    List<JobRequest> batch(int size) {
      long now = nowMicros();
      List<JobRequest> requests = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        requests.add(JobRequest.of(KIND, new BenchArgs(now, pad)).queue(QUEUE));
      }
      return requests;
    }
  }
}
