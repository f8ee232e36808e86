package io.millrace.spring;

import io.millrace.Millrace;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the node with the context and drains it on shutdown. {@link Millrace#close()} blocks while
 * running handlers finish (up to {@code millrace.shutdown-timeout}), so it runs on a thread of its
 * own and tells Spring when it is done; Spring waits for that up to {@code
 * spring.lifecycle.timeout-per-shutdown-phase}, which the shutdown timeout is kept below.
 *
 * <p>The phase puts the node's start before, and its stop after, Boot's web server (whose
 * lifecycles sit at {@code DEFAULT_PHASE - 2048} and {@code - 1024}): requests finishing during a
 * graceful shutdown can still enqueue, and handlers drain once no request is left.
 */
final class MillraceLifecycle implements SmartLifecycle {
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private final Millrace millrace;
  // Null when readiness does not follow Spring's availability state.
  private final @Nullable MillraceAvailability availability;
  private volatile boolean running;

  /**
   * @param availability the readiness publisher, or null when {@code millrace.readiness.enabled} is
   *     false
   */
  MillraceLifecycle(Millrace millrace, @Nullable MillraceAvailability availability) {
    this.millrace = millrace;
    this.availability = availability;
  }

  @Override
  public void start() {
    millrace.start();
    running = true;
    if (availability != null) {
      availability.start();
    }
  }

  @Override
  public void stop() {
    if (availability != null) {
      availability.stop();
    }
    millrace.close();
    running = false;
  }

  @Override
  public void stop(Runnable callback) {
    Thread drain =
        new Thread(
            () -> {
              try {
                stop();
              } finally {
                callback.run();
              }
            },
            "millrace-shutdown");
    drain.start();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
