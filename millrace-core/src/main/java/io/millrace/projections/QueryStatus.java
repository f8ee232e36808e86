package io.millrace.projections;

/**
 * Whether a projection's read model may be queried, for query guards: {@code READY}; {@code
 * REBUILDING} (catching up: answer 503 with {@code X-Query-Status: rebuilding}); {@code FAILED}
 * (answer 503 with {@code X-Query-Status: failed}); {@code STALE} (caught up with everything it may
 * read, but committed events have waited behind the read horizon longer than its staleness budget:
 * answer 503 with {@code X-Query-Status: stale}); {@code UNKNOWN} (no such projection).
 */
public enum QueryStatus {
  READY,
  REBUILDING,
  FAILED,
  STALE,
  UNKNOWN;

  /** The {@code X-Query-Status} header value. */
  public String header() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
