package io.millrace.internal.cluster;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One named daemon thread running one step over and over, with the error handling every background
 * loop of a node needs: a failing step is logged once per streak of failures (later failures of the
 * same streak at debug), and retried after a pause that doubles up to a cap and goes back to its
 * start once a step succeeds (or calls its {@code healthy} callback, for a step that blocks for
 * long on a good connection).
 *
 * <p>Termination: {@link #stop} or an interrupt of the thread ends the loop after the current step
 * returns (a step should return when its thread is interrupted). An interrupt is never swallowed:
 * the loop ends with the thread's interrupt flag still set, as {@link #endedInterrupted()} shows.
 */
public final class BackgroundLoop {
  /** One pass of the loop; an exception starts (or continues) a streak of failures. */
  @FunctionalInterface
  public interface Step {
    /**
     * @param healthy call to reset the pause before the next retry (a connection came up)
     */
    void run(Runnable healthy) throws Exception;
  }

  private final String name;
  private final Step step;
  private final Logger log;
  private final Duration firstPause;
  private final Duration maxPause;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean endedInterrupted;
  private long pauseMs;
  private boolean failing;

  private BackgroundLoop(
      String name, Step step, Logger log, Duration firstPause, Duration maxPause) {
    this.name = name;
    this.step = step;
    this.log = log;
    this.firstPause = firstPause;
    this.maxPause = maxPause;
    this.pauseMs = firstPause.toMillis();
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
  }

  /** Starts {@code step} on a new daemon thread named {@code name}. */
  public static BackgroundLoop start(
      String name, Step step, Logger log, Duration firstPause, Duration maxPause) {
    BackgroundLoop loop = new BackgroundLoop(name, step, log, firstPause, maxPause);
    loop.thread.start();
    return loop;
  }

  /** Whether the loop still runs steps. */
  public boolean running() {
    return running;
  }

  /** The loop's thread (tests interrupt it). */
  public Thread thread() {
    return thread;
  }

  /** True once the loop ended because its thread was interrupted, with the flag still set. */
  public boolean endedInterrupted() {
    return endedInterrupted;
  }

  /**
   * Asks the loop to end, interrupts its thread and waits up to {@code wait} for it; an interrupt
   * of the caller while waiting is kept on the caller.
   */
  public void stop(Duration wait) {
    running = false;
    thread.interrupt();
    try {
      thread.join(Math.max(1, wait.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    try {
      while (running && !Thread.currentThread().isInterrupted()) {
        try {
          step.run(this::healthy);
          healthy();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          if (!running || Thread.currentThread().isInterrupted()) {
            return;
          }
          failed(e);
          if (!pause()) {
            return;
          }
        }
      }
    } finally {
      running = false;
      endedInterrupted = Thread.currentThread().isInterrupted();
    }
  }

  private void healthy() {
    if (failing) {
      log.info("{} recovered", name);
    }
    failing = false;
    pauseMs = firstPause.toMillis();
  }

  private void failed(Exception e) {
    if (!failing) {
      log.warn("{} failed, retrying with growing pauses: {}", name, message(e));
    } else {
      log.debug("{} still failing (next retry in {} ms): {}", name, pauseMs, message(e));
    }
    failing = true;
  }

  /** Sleeps the current pause and grows it; false when interrupted (the flag is set again). */
  private boolean pause() {
    try {
      Thread.sleep(pauseMs);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      return false;
    }
    pauseMs = Math.min(pauseMs * 2, maxPause.toMillis());
    return true;
  }

  private static String message(Exception e) {
    @Nullable String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
