package io.millrace.counts;

/**
 * The words every surface (CLI, API, README) uses for how far a read's finished states hold. A fast
 * read of untrusted counters is not a bound in either direction: history deleted or truncated by
 * hand leaves the counters above the truth, history written without counting leaves them below.
 */
public final class Accuracy {
  /** Finished states equal history plus rollup at the moment of the read. */
  public static final String EXACT = "exact";

  /** Finished states come from untrusted counters: possibly above or below the truth. */
  public static final String ESTIMATE = "estimate";

  private Accuracy() {}

  static String of(boolean fromCounters, boolean exact) {
    return fromCounters || exact ? EXACT : ESTIMATE;
  }

  static String note(boolean fromCounters, boolean exact) {
    if (fromCounters) {
      return "exact: finished counts come from the trusted counters";
    }
    if (exact) {
      return "exact: finished counts come from a scan of history because the counters are not"
          + " trusted (run `millrace storage verify-counters`, then `rebuild-counters`)";
    }
    return "estimate, untrusted: finished counts come from counters that may have drifted above or"
        + " below the truth; run `millrace storage verify-counters` (an exact read scans history)";
  }
}
