package io.millrace.bench.adapter;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * Insert-to-start latency over the last {@value #SECONDS} seconds, in bounded memory: handlers
 * record into one {@link Recorder} (wait-free for any number of writer threads); once a second the
 * sampler moves the interval's histogram into a ring of {@value #SECONDS} per-second slots, and a
 * percentile read merges the slots still inside the window. Memory is a fixed 32 or so histograms
 * whatever the rate or the run's length.
 *
 * <p>Values are microseconds from 1 µs to 1 h at 3 significant digits; longer waits are recorded as
 * 1 h (a backlog that deep has already made its point), negative ones (clock steps between hosts)
 * as 0.
 */
final class LatencyWindow {
  static final int SECONDS = 30;
  static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
  private static final int DIGITS = 3;

  private final Recorder recorder = new Recorder(HIGHEST_MICROS, DIGITS);
  private final Histogram[] slots = new Histogram[SECONDS];
  private final long[] slotSecond = new long[SECONDS];
  private final Histogram merged = new Histogram(HIGHEST_MICROS, DIGITS);
  // A histogram to reuse for the next interval; null until the first roll.
  private @Nullable Histogram spare;

  LatencyWindow() {
    java.util.Arrays.fill(slotSecond, Long.MIN_VALUE);
  }

  /** Any thread, any time. */
  void record(long micros) {
    recorder.recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
  }

  /**
   * Closes the current interval and files it under {@code epochSecond} (the second it mostly
   * covers). Rolling twice for the same second (the final flush right after a tick) adds to it.
   */
  synchronized void roll(long epochSecond) {
    Histogram interval = recorder.getIntervalHistogram(spare);
    int slot = (int) Math.floorMod(epochSecond, (long) SECONDS);
    if (slotSecond[slot] == epochSecond) {
      slots[slot].add(interval);
      spare = interval;
    } else {
      spare = slots[slot];
      slots[slot] = interval;
      slotSecond[slot] = epochSecond;
    }
  }

  /** The seconds {@code (lastSecond - 30, lastSecond]} merged; a view valid until the next call. */
  synchronized Histogram window(long lastSecond) {
    merged.reset();
    for (int i = 0; i < SECONDS; i++) {
      if (slots[i] != null && slotSecond[i] > lastSecond - SECONDS && slotSecond[i] <= lastSecond) {
        merged.add(slots[i]);
      }
    }
    return merged;
  }
}
