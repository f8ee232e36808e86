package io.millrace.internal.sql;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes {@code timestamptz} values as {@link Instant}s through {@link OffsetDateTime}.
 *
 * <p>Never through {@link java.sql.Timestamp}: it converts with the hybrid Julian/Gregorian
 * calendar of {@code java.util.Date}, while PostgreSQL and {@code java.time} use the proleptic
 * Gregorian calendar, so any instant before 1582-10-15 would read back shifted by days (a run-at of
 * 1500-06-15 came back as 1500-06-25). {@code OffsetDateTime} goes through the driver's ISO text
 * form, which both sides read alike.
 */
public final class Instants {
  private Instants() {}

  /** Binds {@code value} (which may be null) as a {@code timestamptz}. */
  public static void set(PreparedStatement ps, int index, @Nullable Instant value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
    }
  }

  /** The {@code timestamptz} in NOT NULL column {@code index}; a null there is a schema fault. */
  public static Instant require(ResultSet rs, int index) throws SQLException {
    Instant value = get(rs, index);
    if (value == null) {
      throw new SQLException("column " + index + " of the result is NOT NULL but read as null");
    }
    return value;
  }

  /** The {@code timestamptz} in NOT NULL column {@code column}; a null there is a schema fault. */
  public static Instant require(ResultSet rs, String column) throws SQLException {
    Instant value = get(rs, column);
    if (value == null) {
      throw new SQLException("column " + column + " is NOT NULL but read as null");
    }
    return value;
  }

  /** The {@code timestamptz} in column {@code index}, or null. */
  public static @Nullable Instant get(ResultSet rs, int index) throws SQLException {
    OffsetDateTime value = rs.getObject(index, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  /** The {@code timestamptz} in column {@code column}, or null. */
  public static @Nullable Instant get(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
