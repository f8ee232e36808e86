package io.millrace.projections;

import io.millrace.base.Jackson2Codec;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The event log: append to a stream with optimistic concurrency, read a stream, read everything in
 * pages from a {@link LogPosition}.
 *
 * <p>An append is two statements, in the caller's transaction or a transaction of its own: bump the
 * stream's row in {@code event_streams} (checking the expected version; the row lock queues other
 * appenders to the same stream, and the loser's re-check fails), then insert all events with one
 * {@code INSERT ... SELECT unnest(...)}. A conflict throws {@link ConcurrencyException} before any
 * event is written; inside a caller's transaction the caller decides whether to roll back.
 *
 * <p>The global order is (writing transaction id, position), read only below the {@link
 * ReadHorizon}: the oldest transaction still running in this database (transactions of other
 * databases cannot write here and do not count), so an event that commits late is never behind a
 * reader's checkpoint. The price: one long write transaction in this database holds every reader
 * back until it ends. Each append also sends a NOTIFY with an empty payload on {@link #channel()}:
 * a wake-up only.
 */
public final class EventStore {
  /** Expected version meaning "append whatever the stream's version". */
  public static final long ANY = -1;

  /** Expected version meaning "the stream must not exist yet". */
  public static final long NO_STREAM = 0;

  /** The most events one append takes. */
  public static final int MAX_EVENTS_PER_APPEND = 10_000;

  static final int MAX_STREAM_CHARS = 200;

  private final DataSource dataSource;
  private final SqlFile sql;
  private final String channel;
  private final JsonCodec codec;

  /** The log in {@code schema}, with {@link Jackson2Codec#defaults()} for values. */
  public EventStore(DataSource dataSource, SchemaName schema) {
    this(dataSource, schema, Jackson2Codec.defaults());
  }

  /**
   * The log in {@code schema}; {@code codec} writes data and metadata given as objects and is what
   * {@link Event#dataAs} of the events read here uses.
   */
  public EventStore(DataSource dataSource, SchemaName schema, JsonCodec codec) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(EventStore.class, "events.sql", schema);
    this.channel = channel(schema);
    this.codec = java.util.Objects.requireNonNull(codec, "codec");
  }

  /** The LISTEN/NOTIFY channel appends wake readers on. */
  public String channel() {
    return channel;
  }

  static String channel(SchemaName schema) {
    return "millrace_events_" + schema.value();
  }

  /**
   * Appends in a transaction of its own, at READ COMMITTED whatever the pool's default: the stream
   * row's lock and re-check are all the isolation an append needs, so a lost race is always the
   * plain version mismatch.
   */
  public AppendResult append(String stream, long expectedVersion, List<NewEvent> events) {
    Encoded encoded = check(stream, expectedVersion, events);
    try {
      return Transactions.inTransaction(
          dataSource,
          t -> {
            Transactions.readCommitted(t);
            return write(t, stream, expectedVersion, encoded);
          });
    } catch (SQLException e) {
      throw failure(stream, expectedVersion, e);
    }
  }

  /**
   * Appends inside the caller's transaction: the events exist only if the caller commits. At
   * REPEATABLE READ or SERIALIZABLE a lost race aborts the caller's transaction; it surfaces as a
   * {@link ConcurrencyException} with {@link ConcurrencyException#transactionAborted()}.
   */
  public AppendResult append(
      Connection connection, String stream, long expectedVersion, List<NewEvent> events) {
    Encoded encoded = check(stream, expectedVersion, events);
    try {
      return write(connection, stream, expectedVersion, encoded);
    } catch (SQLException e) {
      throw failure(stream, expectedVersion, e);
    }
  }

  private static MillraceException failure(String stream, long expected, SQLException e) {
    return ConcurrencyException.of(stream, expected, e)
        .map(MillraceException.class::cast)
        .orElseGet(
            () ->
                new MillraceException(
                    "could not append to stream '" + stream + "': " + e.getMessage(), e));
  }

  /** Events of one stream from {@code fromVersion} (inclusive, from 1), at most {@code limit}. */
  public List<Event> readStream(String stream, long fromVersion, int limit) {
    checkStream(stream);
    checkLimit(limit);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("read_stream"))) {
      ps.setString(1, stream);
      ps.setLong(2, Math.max(1, fromVersion));
      ps.setInt(3, limit);
      return events(ps);
    } catch (SQLException e) {
      throw new MillraceException("could not read stream '" + stream + "': " + e.getMessage(), e);
    }
  }

  /**
   * Up to {@code limit} events after {@code after} in reading order; empty when nothing more is
   * readable yet. Continue from the last event's {@link Event#logPosition()}.
   */
  public List<Event> readAll(LogPosition after, int limit) {
    checkLimit(limit);
    try (Connection c = dataSource.getConnection()) {
      return readAll(c, after, horizon(c).xid(), limit);
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read the event log after " + after + ": " + e.getMessage(), e);
    }
  }

  /**
   * The read horizon now, on a connection with no transaction open; a later snapshot may read below
   * it (and so may every snapshot after that: the horizon never has to be read again to stay safe,
   * only to move on).
   */
  ReadHorizon horizon(Connection c) throws SQLException {
    return ReadHorizon.read(c, sql);
  }

  /** A page below {@code horizon}, read in a snapshot taken after the horizon was read. */
  List<Event> readAll(Connection c, LogPosition after, long horizon, int limit)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("read_all"))) {
      ps.setString(1, Long.toString(after.xid()));
      ps.setLong(2, after.position());
      ps.setString(3, Long.toString(horizon));
      ps.setInt(4, limit);
      return events(ps);
    }
  }

  /** How many committed events lie after {@code after}, counting at most {@code cap}. */
  long countAfter(Connection c, LogPosition after, long cap) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("count_after"))) {
      ps.setString(1, Long.toString(after.xid()));
      ps.setLong(2, after.position());
      ps.setLong(3, cap);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Whether any committed event lies after {@code after}, readable yet or not. */
  boolean anyAfter(Connection c, LogPosition after) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("any_after"))) {
      ps.setString(1, Long.toString(after.xid()));
      ps.setLong(2, after.position());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** The last committed event after {@code after}, readable yet or not; empty when none. */
  java.util.Optional<LogPosition> lastAfter(Connection c, LogPosition after) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("last_after"))) {
      ps.setString(1, Long.toString(after.xid()));
      ps.setLong(2, after.position());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? java.util.Optional.of(new LogPosition(Long.parseLong(rs.getString(1)), rs.getLong(2)))
            : java.util.Optional.empty();
      }
    }
  }

  /** Wakes every node's projection runners (after an operator's request). */
  void wake() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("wake"))) {
      ps.setString(1, channel);
      ps.executeQuery().close();
    }
  }

  /** The number of events in the log and the last one's position (START when empty). */
  public Head head() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("head"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      String last = rs.getString(2);
      return new Head(rs.getLong(1), last == null ? LogPosition.START : LogPosition.parse(last));
    } catch (SQLException e) {
      throw new MillraceException("could not read the head of the event log: " + e.getMessage(), e);
    }
  }

  /** The size of the log and its last position in reading order. */
  public record Head(long events, LogPosition last) {}

  /** The events of one append as the JSON text stored, in order. */
  private record Encoded(List<String> types, List<String> data, List<String> metadata) {}

  private AppendResult write(Connection c, String stream, long expected, Encoded events)
      throws SQLException {
    int n = events.types().size();
    long after = bump(c, stream, expected, n);
    List<String> types = events.types();
    List<String> data = events.data();
    List<String> metadata = events.metadata();
    List<Long> positions = new ArrayList<>(n);
    try (PreparedStatement ps = c.prepareStatement(sql.get("insert_events"))) {
      Array t = c.createArrayOf("text", types.toArray());
      Array d = c.createArrayOf("text", data.toArray());
      Array m = c.createArrayOf("text", metadata.toArray());
      ps.setString(1, stream);
      ps.setLong(2, after - n);
      ps.setArray(3, t);
      ps.setArray(4, d);
      ps.setArray(5, m);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          positions.add(rs.getLong(1));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("wake"))) {
      ps.setString(1, channel);
      ps.executeQuery().close();
    }
    return new AppendResult(stream, after, List.copyOf(positions));
  }

  /** Moves the stream's version by n under the expectation; returns the version after. */
  private long bump(Connection c, String stream, long expected, int n) throws SQLException {
    String statement =
        expected == ANY ? "bump_any" : expected == NO_STREAM ? "bump_new" : "bump_expected";
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      if (expected > NO_STREAM) {
        ps.setLong(1, n);
        ps.setString(2, stream);
        ps.setLong(3, expected);
      } else {
        ps.setString(1, stream);
        ps.setLong(2, n);
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return rs.getLong(1);
        }
      }
    }
    throw new ConcurrencyException(stream, expected, currentVersion(c, stream));
  }

  private long currentVersion(Connection c, String stream) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("stream_version"))) {
      ps.setString(1, stream);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private List<Event> events(PreparedStatement ps) throws SQLException {
    List<Event> events = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        events.add(
            new Event(
                new LogPosition(Long.parseLong(rs.getString(1)), rs.getLong(2)),
                rs.getString(3),
                rs.getLong(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                Instants.require(rs, 8),
                codec));
      }
    }
    return events;
  }

  /** Checks an append and writes its values with the codec, before anything reaches SQL. */
  private Encoded check(String stream, long expected, List<NewEvent> events) {
    checkStream(stream);
    if (expected < ANY) {
      throw new ValidationException(
          "expectedVersion", "must be ANY (-1), NO_STREAM (0) or a version, got " + expected);
    }
    if (events == null || events.isEmpty()) {
      throw new ValidationException("events", "must not be empty");
    }
    if (events.size() > MAX_EVENTS_PER_APPEND) {
      throw new ValidationException(
          "events", "at most " + MAX_EVENTS_PER_APPEND + " per append, got " + events.size());
    }
    List<String> types = new ArrayList<>(events.size());
    List<String> data = new ArrayList<>(events.size());
    List<String> metadata = new ArrayList<>(events.size());
    for (NewEvent e : events) {
      if (e == null) {
        throw new ValidationException("events", "must not contain null");
      }
      types.add(e.type());
      data.add(e.data(codec));
      metadata.add(e.metadata(codec));
    }
    return new Encoded(types, data, metadata);
  }

  private static void checkStream(String stream) {
    if (stream == null || stream.isBlank() || stream.length() > MAX_STREAM_CHARS) {
      throw new ValidationException(
          "stream", "must be 1 to " + MAX_STREAM_CHARS + " characters, not blank");
    }
    Storable.text("stream", stream);
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > 100_000) {
      throw new ValidationException("limit", "must be between 1 and 100000, got " + limit);
    }
  }
}
