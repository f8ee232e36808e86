package io.millrace.counts;

/** A queue and finished state whose counter disagrees with history plus rollup. */
public record Drift(String queue, String state, long counted, long actual) {
  public long difference() {
    return counted - actual;
  }
}
