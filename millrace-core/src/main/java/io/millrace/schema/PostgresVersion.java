package io.millrace.schema;

import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The oldest PostgreSQL Millrace runs on, checked before any migration or start. PostgreSQL 13 is
 * the first with the {@code xid8} type and {@code pg_current_xact_id()}, which the event log uses
 * to order events by their writing transaction; on an older server the migrations would fail
 * halfway through with a type error, so the refusal comes first and names the minimum.
 */
final class PostgresVersion {
  /** The oldest supported major: the first with xid8 and pg_current_xact_id(). */
  static final int MINIMUM_MAJOR = 13;

  private PostgresVersion() {}

  /** Refuses a server older than {@link #MINIMUM_MAJOR}. */
  static void requireSupported(DataSource dataSource) {
    String version;
    String versionNum;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT current_setting('server_version'), current_setting('server_version_num')");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      version = rs.getString(1);
      versionNum = rs.getString(2);
    } catch (SQLException e) {
      throw new MillraceException("could not read the PostgreSQL server version", e);
    }
    requireSupported(version, versionNum);
  }

  /**
   * Refuses a server whose {@code server_version_num} (for example {@code 120022} for 12.22, {@code
   * 90624} for 9.6.24) is older than {@link #MINIMUM_MAJOR}; {@code version} is the human-readable
   * {@code server_version}, quoted in the message.
   */
  static void requireSupported(String version, String versionNum) {
    int major = major(version, versionNum);
    if (major < MINIMUM_MAJOR) {
      throw new MillraceException(
          "PostgreSQL "
              + Storable.shown(version)
              + " is too old for Millrace: it needs PostgreSQL "
              + MINIMUM_MAJOR
              + " or newer (the event log orders events by transaction id with the xid8 type,"
              + " which PostgreSQL "
              + MINIMUM_MAJOR
              + " introduced). Upgrade the server before migrating or starting Millrace.");
    }
  }

  /**
   * The major version: {@code server_version_num} divided by 10000 from PostgreSQL 10 on, and 9 for
   * every 9.x (90624), which is older than anything supported either way.
   */
  static int major(String version, String versionNum) {
    String digits = versionNum == null ? "" : versionNum.strip();
    if (!digits.matches("[0-9]{5,7}")) {
      throw new MillraceException(
          "could not read the PostgreSQL server version: server_version_num is '"
              + Storable.shown(digits)
              + "' (server_version '"
              + Storable.shown(version)
              + "'); Millrace needs PostgreSQL "
              + MINIMUM_MAJOR
              + " or newer");
    }
    return Integer.parseInt(digits) / 10_000;
  }
}
