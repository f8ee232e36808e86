package io.millrace.backfills;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A backfill as Millrace's registry shows it: its state, lease and the progress mirrored from the
 * target at the last heartbeat (the target's state table is the truth; this copy may trail it by a
 * batch). {@code rowsProcessed} counts keys walked, {@code rowsAffected} rows the body changed.
 */
public record BackfillStatus(
    String name,
    BackfillState state,
    long position,
    boolean independent,
    boolean blocking,
    String target,
    String table,
    String key,
    @Nullable String leaseOwner,
    @Nullable Instant leaseExpiresAt,
    long fence,
    @Nullable String cursor,
    @Nullable String upperBound,
    long rowsProcessed,
    long rowsAffected,
    @Nullable Long rowsTotal,
    long batches,
    @Nullable Integer batchSize,
    @Nullable Double rowsPerSecond,
    @Nullable Double etaSeconds,
    @Nullable String throttledBy,
    @Nullable Instant progressAt,
    int attempts,
    @Nullable String lastError,
    Instant createdAt,
    @Nullable Instant startedAt,
    @Nullable Instant finishedAt,
    Instant updatedAt) {

  /**
   * Percent of the estimated total walked, or null when the total is unknown; 100 only once the
   * backfill has succeeded (an estimate that ran short never shows a running backfill as done).
   */
  @JsonProperty("percent")
  public @Nullable Double percent() {
    if (state == BackfillState.SUCCEEDED) {
      return 100.0;
    }
    if (rowsTotal == null || rowsTotal <= 0) {
      return null;
    }
    return Math.max(0.0, Math.min(MAX_UNFINISHED_PERCENT, 100.0 * rowsProcessed / rowsTotal));
  }

  /** The most a backfill that has not succeeded shows: below what one decimal rounds to 100. */
  private static final double MAX_UNFINISHED_PERCENT = 99.9;
}
