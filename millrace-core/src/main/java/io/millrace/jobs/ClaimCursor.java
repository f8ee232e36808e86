package io.millrace.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a queue's next claim may start its index scan, so that it does not walk the entries earlier
 * claims left dead at the head of {@code jobs_claim_idx}. A claimed job's old row version stays in
 * that index until vacuum removes it, and each claim that meets such an entry visits the heap to
 * find it dead; while a long transaction holds back the xmin horizon nothing removes them, and a
 * claim walks every job claimed since (measured: completions fell to under a quarter of the clean
 * rate within a minute of a session going idle in transaction).
 *
 * <p>Two kinds, each from what a claim just saw (run_at values and now() come from the database, so
 * no clock but PostgreSQL's is involved):
 *
 * <ul>
 *   <li>{@link Due}: a claim took fewer jobs than it asked for, so nothing claimable was left due
 *       at its {@code now()}. Later jobs of any priority have {@code run_at} at or after that, so
 *       the next claims keep to {@code run_at >= claimed_at - MARGIN}, a bound each index entry is
 *       checked against without a heap visit. A later short claim moves the bound up.
 *   <li>{@link Priority}: a claim took all it asked for (a backlog). Jobs left behind the last one
 *       it took, in index order, are of that priority at or after its {@code run_at}, or of a lower
 *       priority; the next claims start the index scan at (priority, run_at - MARGIN). Once that
 *       priority runs short the cursor is dropped, so the next claim looks at every priority.
 * </ul>
 *
 * <p>What a cursor can miss, and why it is only delayed: a job whose inserting transaction
 * committed more than {@link #MARGIN} after its {@code run_at} was fixed (its statement's {@code
 * now()}), a row another session had locked when the claim skipped it, and (under {@link Priority})
 * new jobs of another priority. The queue worker therefore still makes a full claim, from the head
 * of the index, at least every {@link #FULL_CLAIM_EVERY}: those jobs wait that long at most, and no
 * job is lost. Fencing is untouched: every variant claims with the same {@code UPDATE … SKIP
 * LOCKED} and the same attempt increment.
 */
sealed interface ClaimCursor {
  /** How far below what a claim saw the next bound sits: room for inserts that commit late. */
  Duration MARGIN = Duration.ofMillis(200);

  /** The longest a queue goes between two claims from the head of the index. */
  Duration FULL_CLAIM_EVERY = Duration.ofSeconds(1);

  /** Jobs of any priority due at or after {@code from}. */
  record Due(Instant from) implements ClaimCursor {}

  /** Jobs of {@code priority} due at or after {@code from}. */
  record Priority(int priority, Instant from) implements ClaimCursor {}

  /**
   * The cursor after a claim with {@code cursor} (null: a full claim) that asked for {@code want}
   * jobs and got {@code claimed}, at the database time {@code claimedAt} (null when nothing was
   * claimed). Null means the next claim must be a full one.
   */
  static @Nullable ClaimCursor next(
      @Nullable ClaimCursor cursor,
      int want,
      List<ClaimedJob> claimed,
      @Nullable Instant claimedAt) {
    if (claimed.isEmpty() || claimedAt == null) {
      // Nothing to learn from; a priority that ran dry hands over to a full claim.
      return cursor instanceof Priority ? null : cursor;
    }
    if (claimed.size() < want) {
      // Nothing claimable was left due at claimedAt, within what this claim looked at. A short
      // claim under a Priority cursor only looked at one priority: the others need a full claim.
      return cursor instanceof Priority ? null : new Due(claimedAt.minus(MARGIN));
    }
    if (cursor instanceof Due) {
      return cursor; // a backlog within the bound: the bound still holds
    }
    ClaimedJob last = claimed.get(0);
    for (ClaimedJob job : claimed) {
      if (job.priority() < last.priority()
          || (job.priority() == last.priority() && job.runAt().compareTo(last.runAt()) > 0)) {
        last = job;
      }
    }
    return new Priority(last.priority(), last.runAt().minus(MARGIN));
  }
}
