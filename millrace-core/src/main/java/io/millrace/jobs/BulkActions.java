package io.millrace.jobs;

import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Retry, cancel or discard every job that matches a filter: what an operator does after an outage
 * ("retry everything that failed in queue mail since 02:00").
 *
 * <p>It walks the matching ids newest first in pages of {@link #PAGE}, with the keyset cursor
 * {@code id < last id seen}, and applies the single-job action of {@link JobAdmin} to each id in a
 * transaction of its own (2–3 statements per job), so every job gets exactly the semantics of the
 * one-job action and no transaction is long.
 *
 * <p>Termination: the cursor strictly decreases and ids are positive, so the walk ends after at
 * most (matching jobs / PAGE) + 1 pages, and never later than {@code max} jobs. An action moves a
 * job between the hot table and history but never changes its id, so a job already acted on is
 * behind the cursor and is never visited twice in one run, even though it may now match again (a
 * retried job is waiting again). Jobs that start matching while the walk runs are acted on only if
 * their id is below the cursor; a bulk action is a snapshot-ish sweep, not a standing rule.
 *
 * <p>Idempotence: each single-job action is a no-op on a job it already applied to (a cancelled job
 * reports {@code already_finished}), so running the same bulk action again, or resuming after a
 * crash halfway, acts only on what is left.
 */
public final class BulkActions {
  /** Ids read per page. */
  static final int PAGE = 500;

  /**
   * The most jobs one request may act on; larger sweeps are several requests (resume with
   * beforeId).
   */
  public static final int MAX_JOBS = 10_000;

  /** The actions that can be applied by filter. */
  public enum Action {
    RETRY,
    CANCEL,
    DISCARD;

    public static Action parse(String field, String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new ValidationException(
            field, "'" + Storable.shown(value) + "' is not one of retry, cancel, discard");
      }
    }
  }

  /**
   * What a bulk action did.
   *
   * @param matched jobs visited (each was acted on once)
   * @param outcomes how many jobs had each single-job result ({@code retrying}, {@code cancelled},
   *     ...)
   * @param next the {@code beforeId} to continue from when {@code max} stopped the sweep early,
   *     else null
   */
  public record Result(
      String action, int matched, Map<String, Integer> outcomes, @Nullable Long next) {}

  private final JobAdmin admin;
  private final DataSource dataSource;
  private final JobSearch search;

  BulkActions(JobAdmin admin, DataSource dataSource, JobSearch search) {
    this.admin = admin;
    this.dataSource = dataSource;
    this.search = search;
  }

  Result run(Action action, JobAdmin.Filter filter, int max) {
    if (max < 1 || max > MAX_JOBS) {
      throw new ValidationException("max", "must be between 1 and " + MAX_JOBS + ", got " + max);
    }
    Map<String, Integer> outcomes = new TreeMap<>();
    @Nullable Long cursor = filter.beforeId();
    int matched = 0;
    while (matched < max) {
      List<Long> ids = page(filter, cursor, Math.min(PAGE, max - matched));
      if (ids.isEmpty()) {
        return new Result(name(action), matched, outcomes, null);
      }
      for (long id : ids) {
        outcomes.merge(apply(action, id), 1, Integer::sum);
      }
      matched += ids.size();
      cursor = ids.get(ids.size() - 1);
    }
    // Stopped by max: tell the caller where to continue, if anything is left there.
    boolean more = !page(filter, cursor, 1).isEmpty();
    return new Result(name(action), matched, outcomes, more ? cursor : null);
  }

  private String apply(Action action, long id) {
    String outcome =
        switch (action) {
          case RETRY -> retry(id);
          case CANCEL -> admin.cancel(id).name();
          case DISCARD -> admin.discard(id).name();
        };
    return outcome.toLowerCase(Locale.ROOT);
  }

  /**
   * A job whose unique key came back into use meanwhile is reported, not a reason to stop the
   * sweep.
   */
  private String retry(long id) {
    try {
      return admin.retry(id).name();
    } catch (ValidationException uniqueKeyHeld) {
      return "unique_key_held";
    }
  }

  /** The next {@code limit} matching ids below {@code cursor}, newest first, across both tables. */
  private List<Long> page(JobAdmin.Filter filter, @Nullable Long cursor, int limit) {
    List<Long> ids = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      if (filter.state() == null || !filter.state().terminal()) {
        ids.addAll(search.run(c, filter, false, true, cursor, limit, rs -> rs.getLong(1)));
      }
      if (filter.state() == null || filter.state().terminal()) {
        ids.addAll(search.run(c, filter, true, true, cursor, limit, rs -> rs.getLong(1)));
      }
    } catch (SQLException e) {
      throw new MillraceException("could not list jobs for a bulk action", e);
    }
    ids.sort(Comparator.reverseOrder());
    return ids.size() > limit ? ids.subList(0, limit) : ids;
  }

  private static String name(Action action) {
    return action.name().toLowerCase(Locale.ROOT);
  }
}
