package io.millrace.projections;

import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Blue/green builds of a projection that keeps its read model in the document store: the new
 * version builds under its own row and document key {@code <name>@<version>} while {@code <name>}
 * keeps serving the old version's documents (its status stays {@code ready}); once the new one has
 * caught up, one transaction moves its documents and checkpoint under {@code <name>} and drops the
 * old ones, so a query sees either the old read model or the new one, never a mix.
 *
 * <p>Every write is fenced by the main row's lease token ({@code fence} takes that row's lock
 * first), so a runner that lost the lease cannot advance or swap the build; a build interrupted by
 * a crash resumes from its own checkpoint when the next runner takes the lease.
 */
final class SideBySide {
  private final DataSource dataSource;
  private final SqlFile sql;
  private final ProjectionStore store;
  private final String name;

  SideBySide(DataSource dataSource, ProjectionStore store, String name) {
    this.dataSource = dataSource;
    this.sql = store.sql();
    this.store = store;
    this.name = name;
  }

  static String shadowName(String name, String version) {
    return name + "@" + version;
  }

  /**
   * Prepares the build of {@code version}: drops builds of other versions, creates this one's row
   * if needed and returns it (its checkpoint is where the build resumes).
   */
  ProjectionStore.Row open(String version, long token) throws SQLException {
    String shadow = shadowName(name, version);
    Transactions.runInTransaction(
        dataSource,
        c -> {
          if (!fence(c, token)) {
            return;
          }
          for (String stale : shadows(c)) {
            if (!stale.equals(shadow)) {
              drop(c, stale);
            }
          }
        });
    store.register(shadow, version);
    return store
        .get(shadow)
        .orElseThrow(() -> new SQLException("side-by-side row " + shadow + " vanished"));
  }

  /** Drops every side-by-side build of the projection (an in-place rebuild supersedes them). */
  void dropAll(Connection c) throws SQLException {
    for (String stale : shadows(c)) {
      drop(c, stale);
    }
  }

  /** The build's checkpoint compare-and-swap, fenced by the main row's lease token. */
  boolean advance(
      Connection c, long token, String shadow, LogPosition from, LogPosition to, int events)
      throws SQLException {
    if (!fence(c, token)) {
      return false;
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("advance_shadow"))) {
      ps.setString(1, Long.toString(to.xid()));
      ps.setLong(2, to.position());
      ps.setInt(3, events);
      ps.setString(4, shadow);
      ps.setString(5, Long.toString(from.xid()));
      ps.setLong(6, from.position());
      return ps.executeUpdate() == 1;
    }
  }

  void fail(String shadow, String error) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("fail_shadow"))) {
      ps.setString(1, error);
      ps.setString(2, shadow);
      ps.executeUpdate();
    }
  }

  Optional<ProjectionStore.Row> row(String shadow) throws SQLException {
    return store.get(shadow);
  }

  /** The swap, in one transaction; false when fenced or the build's checkpoint moved. */
  boolean takeOver(long token, String shadow, LogPosition at) throws SQLException {
    return Transactions.inTransaction(
        dataSource,
        c -> {
          if (!fence(c, token)) {
            return false;
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("delete_documents"))) {
            ps.setString(1, name);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("move_documents"))) {
            ps.setString(1, name);
            ps.setString(2, shadow);
            ps.executeUpdate();
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("take_over"))) {
            ps.setString(1, name);
            ps.setLong(2, token);
            ps.setString(3, shadow);
            ps.setString(4, Long.toString(at.xid()));
            ps.setLong(5, at.position());
            if (ps.executeUpdate() != 1) {
              c.rollback();
              return false;
            }
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("delete_row"))) {
            ps.setString(1, shadow);
            ps.executeUpdate();
          }
          return true;
        });
  }

  private boolean fence(Connection c, long token) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("fence"))) {
      ps.setString(1, name);
      ps.setLong(2, token);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private List<String> shadows(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("shadows"))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  private void drop(Connection c, String shadow) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("delete_documents"))) {
      ps.setString(1, shadow);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("delete_row"))) {
      ps.setString(1, shadow);
      ps.executeUpdate();
    }
  }
}
