package io.millrace.jobs;

import io.millrace.schema.SchemaName;
import io.millrace.sql.SqlFile;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the listing statements of {@link JobAdmin.Filter} from the constant fragments of {@code
 * search.sql}: which fragments are joined depends only on which filters are set, never on their
 * text, and every value is bound. So a request string can choose among a fixed, small set of
 * statements but never write SQL.
 *
 * <p>Why not one statement with {@code (? IS NULL OR queue = ?)}: once the driver prepares it on
 * the server, PostgreSQL may settle on a generic plan that cannot use the index for the filter
 * that happens to be set, and the state filter would no longer prune history partitions. At 10M
 * history rows that is the difference between a millisecond and a sequential scan.
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
            ps.setTimestamp(i + 1, Timestamp.from(t));
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

  private final SqlFile sql;

  JobSearch(SchemaName schema) {
    this.sql = SqlFile.load(JobSearch.class, "search.sql", schema);
  }

  /** Full rows of unfinished ({@code finished=false}) or finished jobs, newest first. */
  Statement page(JobAdmin.Filter f, boolean finished, Long beforeId, int limit) {
    return build(finished ? "select_finished" : "select_active", f, finished, beforeId, limit);
  }

  /** Ids only, for bulk actions: the same filters and order, so the same indexes serve them. */
  Statement ids(JobAdmin.Filter f, boolean finished, Long beforeId, int limit) {
    return build(finished ? "select_finished_ids" : "select_active_ids", f, finished, beforeId, limit);
  }

  private Statement build(String base, JobAdmin.Filter f, boolean finished, Long beforeId, int limit) {
    StringBuilder text = new StringBuilder(sql.get(base));
    List<Object> binds = new ArrayList<>();
    add(text, binds, "and_queue", f.queue());
    add(text, binds, "and_state", f.state() == null ? null : f.state().dbValue());
    add(text, binds, "and_kind", f.kind());
    add(text, binds, "and_tag", f.tag());
    add(text, binds, "and_created_from", f.createdFrom());
    if (finished) {
      add(text, binds, "and_finished_from", f.createdFrom());
    }
    add(text, binds, "and_created_to", f.createdTo());
    add(text, binds, "and_before", beforeId);
    add(text, binds, "order_page", limit);
    return new Statement(text.toString(), List.copyOf(binds));
  }

  private void add(StringBuilder text, List<Object> binds, String fragment, Object value) {
    if (value != null) {
      // A newline, so a fragment's trailing comment can never swallow the next one.
      text.append('\n').append(sql.get(fragment));
      binds.add(value);
    }
  }
}
