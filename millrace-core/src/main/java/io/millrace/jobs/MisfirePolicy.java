package io.millrace.jobs;

/**
 * What a periodic job does about ticks that passed while no leader could fire them (the cluster was
 * down, or the leader was stalled) by more than the misfire threshold. Ticks fired within the
 * threshold are on time and always fire.
 */
public enum MisfirePolicy {
  /** Fire one job for all the missed ticks together (the default). */
  FIRE_ONCE,
  /** Fire one job per missed tick, at most 1,000 at once. */
  FIRE_ALL,
  /** Fire nothing for missed ticks; wait for the next one. */
  SKIP
}
