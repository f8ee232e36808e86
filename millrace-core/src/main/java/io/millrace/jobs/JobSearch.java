package io.millrace.jobs;

import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Builds the listing statements of {@link JobAdmin.Filter} from the constant fragments of {@code
 * search.sql}: which fragments are joined depends only on which filters are set, never on their
 * text, and every value is bound. So a request string can choose among a fixed, small set of
 * statements but never write SQL.
 *
 * <p>Tags are the exception: no btree yields "jobs carrying tag T" in id order, and walking the id
 * index with a filter is fast for a common tag but reads every row of every partition where the tag
 * is rare or absent (5.6 s at 10M rows for a tag on 0.001% of jobs). So history is read with a tag,
 * under bitmap-only plans, first in two id windows below the cursor (50,000 ids, then 200,000: the
 * GIN index ANDed with the id range, costing the window), where a tag on more than ~0.1% of jobs
 * fills its page; then, if the page is still short, in one query over everything older that only
 * the GIN index can serve, costing the rows that carry the tag. Growing the windows further was
 * measured worse: the id-range half of a 3.2M-id window costs more than the whole GIN read of a
 * rare tag (370 ms vs ~10 ms at 10M rows). The known slow case left is a tag carried by very many
 * old jobs but none of the newest 250,000.
 *
 * <p>An upper creation-time bound ({@code createdTo}) has the same problem (no partition can be
 * skipped: an old job may finish late) and is read from the created_at index under bitmap plans:
 * its cost is the rows in the range, small for the hour or day an operator looks at, large for
 * "everything before last month" (give a {@code createdFrom} too).
 *
 * <p>Why not one statement with {@code (? IS NULL OR queue = ?)}: once the driver prepares it on
 * the server, PostgreSQL may settle on a generic plan that cannot use the index for the filter that
 * happens to be set, and the state filter would no longer prune history partitions. At 10M history
 * rows that is the difference between a millisecond and a sequential scan.
 */
final class JobSearch {
  /** A statement and the values to bind, in order. */
  record Statement(String sql, List<Object> binds) {
    PreparedStatement prepare(Connection c) throws SQLException {
      PreparedStatement ps = c.prepareStatement(sql);
      try {
        for (int i = 0; i < binds.size(); i++) {
          Object v = binds.get(i);
          if (v instanceof java.time.Instant t) {
            Instants.set(ps, i + 1, t);
          } else if (v instanceof Long l) {
            ps.setLong(i + 1, l);
          } else if (v instanceof Integer n) {
            ps.setInt(i + 1, n);
          } else {
            ps.setString(i + 1, (String) v);
          }
        }
        return ps;
      } catch (SQLException | RuntimeException e) {
        ps.close();
        throw e;
      }
    }
  }

  /** Maps one row. */
  @FunctionalInterface
  interface Rows<T> {
    T read(ResultSet rs) throws SQLException;
  }

  static final long FIRST_WINDOW = 50_000;
  static final int WINDOW_GROWTH = 4;
  static final int WINDOWS = 2;

  private final SqlFile sql;

  private final long firstWindow;

  JobSearch(SchemaName schema) {
    this(schema, FIRST_WINDOW);
  }

  /** With a first window of {@code firstWindow} ids (tests use tiny ones to cross many windows). */
  JobSearch(SchemaName schema, long firstWindow) {
    this.sql = SqlFile.load(JobSearch.class, "search.sql", schema);
    this.firstWindow = firstWindow;
  }

  /**
   * Runs the listing of one table: unfinished ({@code finished=false}) or finished jobs matching
   * {@code f} with ids below {@code beforeId}, newest first, at most {@code limit}.
   */
  <T> List<T> run(
      Connection c,
      JobAdmin.Filter f,
      boolean finished,
      boolean idsOnly,
      @Nullable Long beforeId,
      int limit,
      Rows<T> rows)
      throws SQLException {
    String base = (finished ? "select_finished" : "select_active") + (idsOnly ? "_ids" : "");
    if (!finished || (f.tag() == null && f.createdTo() == null)) {
      return query(c, build(base, f, finished, beforeId, null, limit), rows);
    }
    if (f.tag() == null) {
      // An upper time bound: walking the id index would read, in every partition, all rows newer
      // than the bound before the first match (3.9 s at 10M rows for an hour a week ago). The
      // created_at index reads the range instead, so the cost is the rows in the range.
      return inBitmapTransaction(
          c, () -> query(c, build(base, f, true, beforeId, null, limit), rows));
    }
    long min;
    long max;
    try (PreparedStatement ps = c.prepareStatement(sql.get("history_id_bounds"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      min = rs.getLong(1);
      max = rs.getLong(2);
      if (rs.wasNull()) {
        return List.of(); // no history at all
      }
    }
    return inBitmapTransaction(
        c,
        () -> {
          List<T> out = new ArrayList<>();
          // Windows [lo, hi), newest first, starting at the cursor (or just above the newest id).
          long hi = beforeId == null ? max + 1 : Math.min(beforeId, max + 1);
          long width = firstWindow;
          for (int w = 0; w < WINDOWS && out.size() < limit && hi > min; w++) {
            long lo = Math.max(min, hi - width);
            out.addAll(query(c, build(base, f, true, hi, lo, limit - out.size()), rows));
            hi = lo;
            width *= WINDOW_GROWTH;
          }
          if (out.size() < limit && hi > min) {
            out.addAll(query(c, olderThan(base, f, hi, limit - out.size()), rows));
          }
          return out;
        });
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} in a transaction that allows bitmap plans only (see prefer_bitmaps). */
  private <T> T inBitmapTransaction(Connection c, Work<T> work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement ps = c.prepareStatement(sql.get("prefer_bitmaps"))) {
        ps.executeQuery().close();
      }
      T result = work.run();
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  private static <T> List<T> query(Connection c, Statement statement, Rows<T> rows)
      throws SQLException {
    List<T> out = new ArrayList<>();
    try (PreparedStatement ps = statement.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rows.read(rs));
      }
    }
    return out;
  }

  /**
   * The tag listing of everything below {@code hi}, bounded so that only the GIN index serves it.
   */
  private Statement olderThan(String base, JobAdmin.Filter f, long hi, int limit) {
    StringBuilder text = new StringBuilder(sql.get(base));
    List<Object> binds = new ArrayList<>();
    filters(text, binds, f, true);
    add(text, binds, "and_before_unindexed", hi);
    add(text, binds, "order_page", limit);
    return new Statement(text.toString(), List.copyOf(binds));
  }

  private Statement build(
      String base,
      JobAdmin.Filter f,
      boolean finished,
      @Nullable Long beforeId,
      @Nullable Long fromId,
      int limit) {
    StringBuilder text = new StringBuilder(sql.get(base));
    List<Object> binds = new ArrayList<>();
    filters(text, binds, f, finished);
    add(text, binds, "and_before", beforeId);
    add(text, binds, "and_id_from", fromId);
    add(text, binds, "order_page", limit);
    return new Statement(text.toString(), List.copyOf(binds));
  }

  private void filters(
      StringBuilder text, List<Object> binds, JobAdmin.Filter f, boolean finished) {
    add(text, binds, "and_queue", f.queue());
    add(text, binds, "and_state", f.state() == null ? null : f.state().dbValue());
    add(text, binds, "and_kind", f.kind());
    add(text, binds, "and_tag", f.tag());
    add(text, binds, "and_created_from", f.createdFrom());
    if (finished) {
      add(text, binds, "and_finished_from", f.createdFrom());
    }
    add(text, binds, "and_created_to", f.createdTo());
  }

  private void add(
      StringBuilder text, List<Object> binds, String fragment, @Nullable Object value) {
    if (value != null) {
      // A newline, so a fragment's trailing comment can never swallow the next one.
      text.append('\n').append(sql.get(fragment));
      binds.add(value);
    }
  }
}
