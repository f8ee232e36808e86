package io.millrace.projections;

import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The read horizon of the event log: a transaction id H such that every transaction that could
 * still write an event with an id below H has ended. Readers read only events with {@code xid < H},
 * in (xid, position) order, so an event can never commit behind a checkpoint and no gap timeout is
 * needed.
 *
 * <p>Construction, three steps in this order, each in a transaction of its own:
 *
 * <ol>
 *   <li>One statement reads N, the xmax of its own snapshot, and then (during its execution, so
 *       after that snapshot; and fresh, because {@code pg_stat_activity} is cached per transaction
 *       and this is the first read of it in a new one) the smallest {@code backend_xid} among the
 *       sessions of <em>this</em> database, M1.
 *   <li>A later statement reads the smallest id of a prepared transaction of this database, M2
 *       (skipped when {@code max_prepared_transactions} is 0: then none can exist). An append
 *       itself cannot be prepared (its NOTIFY forbids it), but a direct insert into the log can.
 *   <li>The reader's snapshot, taken after both, reads the events with {@code xid < H = min(N, M1,
 *       M2)}.
 * </ol>
 *
 * <p>Why every transaction T with an id x &lt; H has ended by step 3: x &lt; N means some
 * transaction with an id at least x had completed when step 1's snapshot was taken, and ids are
 * handed out in order, so x was assigned before step 1. If T ran in another database it cannot
 * write this database's tables at all (a dblink or postgres_fdw write is a session of this database
 * with its own id). If T ran in this database and was still running at step 1's read of {@code
 * pg_stat_activity}, its session showed {@code backend_xid = x}, so M1 &le; x, contradicting x &lt;
 * H. If it had been prepared by then, it shows in step 2 (M2 &le; x); a transaction that prepares
 * between the steps keeps its id in its session until the prepared transaction holds it, so it
 * shows in one of them. Otherwise it ended before step 2, hence before step 3's snapshot, which
 * therefore sees its events (if it committed) and all later ones have ids of at least H.
 *
 * <p>What else could be excluded, and why not: transactions without an id are excluded already
 * (they write nothing), and so are lazy VACUUM and logical decoding (not in snapshots). A
 * transaction of this database that has not touched the events table (yet) cannot be excluded: it
 * may append later under the id it already holds, below a horizon that moved past it; neither the
 * locks it holds nor its role's privileges (grantable while it runs) nor the schema it writes say
 * in advance what it will write. So one long write transaction in this database still holds every
 * projection back; one in another database no longer does.
 *
 * <p>{@code backend_xid} is shown for every session whatever the reader's role (unlike the query
 * text, it needs no {@code pg_read_all_stats}; verified on PostgreSQL 17 by {@code
 * ReadHorizonTest}). The 32-bit ids of {@code pg_stat_activity} and {@code pg_prepared_xacts} are
 * widened to xid8 against N: running ids lie within 2^31 of it.
 *
 * @param xid H, as an xid8 value
 * @param holder the transaction holding H below N ("pid 123" or "prepared transaction 'gid'"), or
 *     null when nothing in this database does
 * @param holderSince when that transaction started (or was prepared); null with {@code holder}
 */
record ReadHorizon(long xid, @Nullable String holder, @Nullable Instant holderSince) {

  /**
   * Reads the horizon on {@code c}, which must have no transaction open (each step ends its own).
   */
  static ReadHorizon read(Connection c, SqlFile sql) throws SQLException {
    long n;
    long xid;
    String holder = null;
    Instant since = null;
    boolean preparedPossible;
    try (PreparedStatement ps = c.prepareStatement(sql.get("horizon_active"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      n = Long.parseLong(rs.getString(1));
      xid = n;
      String active = rs.getString(2);
      if (active != null && Long.parseLong(active) < xid) {
        xid = Long.parseLong(active);
        holder = "pid " + rs.getInt(3);
        since = Instants.get(rs, 4);
      }
      preparedPossible = rs.getBoolean(5);
    }
    endTransaction(c);
    if (preparedPossible) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("horizon_prepared"))) {
        ps.setLong(1, n);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && Long.parseLong(rs.getString(1)) < xid) {
            xid = Long.parseLong(rs.getString(1));
            holder = "prepared transaction '" + rs.getString(2) + "'";
            since = Instants.get(rs, 3);
          }
        }
      }
      endTransaction(c);
    }
    return new ReadHorizon(xid, holder, since);
  }

  /** Each step must be a transaction of its own (a fresh pg_stat_activity, a later snapshot). */
  private static void endTransaction(Connection c) throws SQLException {
    if (!c.getAutoCommit()) {
      c.commit();
    }
  }
}
