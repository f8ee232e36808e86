package io.millrace.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The loop helper: failing steps are retried, and an interrupt ends it with the flag kept. */
class BackgroundLoopTest {
  @Test
  void aFailingStepIsRetriedUntilItSucceeds() {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger successes = new AtomicInteger();
    BackgroundLoop loop =
        BackgroundLoop.start(
            "millrace-test-loop",
            healthy -> {
              if (calls.incrementAndGet() <= 5) {
                throw new IllegalStateException("not yet");
              }
              successes.incrementAndGet();
              Thread.sleep(10);
            },
            LoggerFactory.getLogger(BackgroundLoopTest.class),
            Duration.ofMillis(1),
            Duration.ofMillis(8));
    try {
      assertThat(loop.thread().isDaemon()).isTrue();
      assertThat(loop.thread().getName()).isEqualTo("millrace-test-loop");
      Await.until("steps succeed after the failures", () -> successes.get() >= 3);
    } finally {
      loop.stop(Duration.ofSeconds(5));
    }
    assertThat(loop.thread().isAlive()).isFalse();
    assertThat(loop.running()).isFalse();
  }

  @Test
  void anInterruptDuringTheErrorPauseEndsTheLoopWithTheFlagKept() {
    AtomicInteger calls = new AtomicInteger();
    BackgroundLoop loop =
        BackgroundLoop.start(
            "millrace-test-failing",
            healthy -> {
              calls.incrementAndGet();
              throw new IllegalStateException("always");
            },
            LoggerFactory.getLogger(BackgroundLoopTest.class),
            Duration.ofMinutes(10),
            Duration.ofMinutes(10));
    Await.until("first failure", () -> calls.get() == 1);
    loop.thread().interrupt();
    Await.until("ended", () -> !loop.thread().isAlive());
    assertThat(loop.endedInterrupted()).isTrue();
    assertThat(calls.get()).isEqualTo(1);
  }

  @Test
  void anInterruptDuringAStepEndsTheLoopWithTheFlagKept() {
    BackgroundLoop loop =
        BackgroundLoop.start(
            "millrace-test-sleeping",
            healthy -> Thread.sleep(Duration.ofMinutes(10).toMillis()),
            LoggerFactory.getLogger(BackgroundLoopTest.class),
            Duration.ofMillis(1),
            Duration.ofMillis(1));
    loop.thread().interrupt();
    Await.until("ended", () -> !loop.thread().isAlive());
    assertThat(loop.endedInterrupted()).isTrue();
  }
}
