package io.millrace.backfills;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A backfill: an online data migration that walks {@code table} in order of its unique key, one
 * short transaction per batch, from the smallest key up to the largest key that existed when it
 * first started. Register it with {@code MillraceBuilder.backfill(...)}; it then runs once to
 * completion, on one node at a time.
 *
 * <pre>{@code
 * Backfill lastSeen = Backfill.builder("transmissions-last-seen")
 *     .target(appDataSource)                       // PostgreSQL or SQLite
 *     .table("transmissions").key("id")
 *     .filter("last_seen = 0")
 *     .sql("UPDATE transmissions SET last_seen = (SELECT max(o.timestamp) FROM observations o"
 *         + " WHERE o.transmission_id = transmissions.id) WHERE {range}"
 *         + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = transmissions.id)")
 *     .blocking()                                  // /ready stays 503 until it succeeds
 *     .build();
 * }</pre>
 *
 * <p>The batch body is SQL in which {@code {range}} stands for the batch's key range and the row
 * filter, or a {@link BatchCallback}. Every value is bound; {@code table}, {@code key} and the
 * state table are validated identifiers; the SQL and the filter are the application's own code.
 */
public final class Backfill {
  static final String RANGE = "{range}";
  private static final Pattern RANGE_TOKEN = Pattern.compile(Pattern.quote(RANGE));

  private final String name;
  private final DataSource target;
  private final String table;
  private final String quotedTable;
  private final String key;
  private final String quotedKey;
  private final KeyType keyType;
  private final @Nullable String filter;
  private final @Nullable String sql;
  private final @Nullable BatchCallback callback;
  private final boolean independent;
  private final boolean blocking;
  private final Duration targetBatchTime;
  private final Duration batchTimeout;
  private final Duration yieldBetweenBatches;
  private final int initialBatchSize;
  private final int maxBatchSize;
  private final int maxAttempts;
  private final Duration busyTimeout;
  private final List<Throttle> throttles;
  private final Duration throttleRecheck;
  private final String quotedStateTable;

  /**
   * {@code target}, {@code table} and {@code key}: the builder's, once {@link Builder#build}
   * checked them.
   */
  private Backfill(Builder b, DataSource target, String table, String key) {
    this.name = b.name;
    this.target = target;
    this.table = table;
    this.quotedTable = Identifiers.quoted("table", table, true);
    this.key = key;
    this.quotedKey = Identifiers.quoted("key", key, false);
    this.keyType = b.keyType;
    this.filter = b.filter;
    this.sql = b.sql;
    this.callback = b.callback;
    this.independent = b.independent;
    this.blocking = b.blocking;
    this.targetBatchTime = b.targetBatchTime;
    this.batchTimeout =
        b.batchTimeout == null
            ? max(targetBatchTime.multipliedBy(20), Duration.ofSeconds(2))
            : b.batchTimeout;
    this.yieldBetweenBatches = b.yieldBetweenBatches;
    this.initialBatchSize = b.initialBatchSize;
    this.maxBatchSize = b.maxBatchSize;
    this.maxAttempts = b.maxAttempts;
    this.busyTimeout = b.busyTimeout;
    this.throttles = List.copyOf(b.throttles);
    this.throttleRecheck = b.throttleRecheck;
    this.quotedStateTable = Identifiers.quoted("stateTable", b.stateTable, true);
  }

  /**
   * Starts a definition; {@code name} follows the shared name rule (letters, digits and . _ : -).
   */
  public static Builder builder(String name) {
    return new Builder(JobRequest.requireName("name", name));
  }

  public String name() {
    return name;
  }

  public DataSource target() {
    return target;
  }

  public String table() {
    return table;
  }

  public String key() {
    return key;
  }

  public KeyType keyType() {
    return keyType;
  }

  public boolean independent() {
    return independent;
  }

  public boolean blocking() {
    return blocking;
  }

  String quotedTable() {
    return quotedTable;
  }

  String quotedKey() {
    return quotedKey;
  }

  String quotedStateTable() {
    return quotedStateTable;
  }

  @Nullable String filter() {
    return filter;
  }

  @Nullable String sql() {
    return sql;
  }

  @Nullable BatchCallback callback() {
    return callback;
  }

  Duration targetBatchTime() {
    return targetBatchTime;
  }

  Duration batchTimeout() {
    return batchTimeout;
  }

  /**
   * PostgreSQL: how long a batch statement waits for someone else's lock before the batch gives way
   * as a throttle; half the batch timeout, so a lock wait always ends as a lock wait, never as a
   * statement timeout that would be taken for a slow batch.
   */
  Duration lockTimeout() {
    return batchTimeout.dividedBy(2);
  }

  Duration yieldBetweenBatches() {
    return yieldBetweenBatches;
  }

  int initialBatchSize() {
    return initialBatchSize;
  }

  int maxBatchSize() {
    return maxBatchSize;
  }

  int maxAttempts() {
    return maxAttempts;
  }

  Duration busyTimeout() {
    return busyTimeout;
  }

  List<Throttle> throttles() {
    return throttles;
  }

  Duration throttleRecheck() {
    return throttleRecheck;
  }

  /** The range condition for one batch: key bounds (two parameters) and the row filter. */
  String predicate(boolean fromInclusive) {
    String range = quotedKey + (fromInclusive ? " >= ?" : " > ?") + " AND " + quotedKey + " <= ?";
    return filter == null ? range : range + " AND (" + filter + ")";
  }

  /**
   * The SQL body with every {@code {range}} expanded; {@link #rangeCount()} pairs of parameters.
   */
  String expandedSql(boolean fromInclusive) {
    return RANGE_TOKEN
        .matcher(sqlBody())
        .replaceAll(Matcher.quoteReplacement("(" + predicate(fromInclusive) + ")"));
  }

  int rangeCount() {
    Matcher m = RANGE_TOKEN.matcher(sqlBody());
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private String sqlBody() {
    if (sql == null) {
      // build() sets exactly one body; only a callback backfill gets here without SQL.
      throw new IllegalStateException("backfill " + name + " has a callback body, not SQL");
    }
    return sql;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * Builds a {@link Backfill}; every setting documents its default, {@link #build()} checks them
   * together.
   */
  public static final class Builder {
    private final String name;
    private @Nullable DataSource target;
    private @Nullable String table;
    private @Nullable String key;
    private KeyType keyType = KeyType.INTEGER;
    private @Nullable String filter;
    private @Nullable String sql;
    private @Nullable BatchCallback callback;
    private boolean independent;
    private boolean blocking;
    private Duration targetBatchTime = Duration.ofMillis(100);
    private @Nullable Duration batchTimeout;
    private Duration yieldBetweenBatches = Duration.ofMillis(20);
    private int initialBatchSize = 100;
    private int maxBatchSize = 50_000;
    private int maxAttempts = 5;
    private Duration busyTimeout = Duration.ofSeconds(5);
    private final List<Throttle> throttles = new ArrayList<>();
    private Duration throttleRecheck = Duration.ofMillis(500);
    private String stateTable = "millrace_backfill_state";

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The database the backfill changes: PostgreSQL or SQLite (detected from the connection).
     * Required.
     */
    public Builder target(DataSource target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** The table walked, {@code name} or {@code schema.name} (lower-case identifiers). Required. */
    public Builder table(String table) {
      Identifiers.quoted("table", table, true);
      this.table = table;
      return this;
    }

    /**
     * The ordered unique key walked, an integer column; it must be indexed (a primary key is).
     * Required.
     */
    public Builder key(String column) {
      return key(column, KeyType.INTEGER);
    }

    /**
     * The ordered unique key walked, of {@code type}; it must be indexed (unique, so each row is
     * visited once).
     */
    public Builder key(String column, KeyType type) {
      Identifiers.quoted("key", column, false);
      this.key = column;
      this.keyType = Objects.requireNonNull(type, "type");
      return this;
    }

    /**
     * A SQL condition on the table's rows, added to {@code {range}} (and to {@link
     * KeyRange#predicate()}). It only narrows what the body changes: batches still walk every key,
     * so a filter that matches little never makes a batch scan far. Default: none.
     */
    public Builder filter(String condition) {
      if (condition == null || condition.isBlank()) {
        throw new ValidationException("filter", "must not be blank");
      }
      if (condition.contains(";")) {
        throw new ValidationException("filter", "must be one condition, without ';'");
      }
      this.filter = Storable.text("filter", condition);
      return this;
    }

    /**
     * The batch body as one SQL statement in which {@code {range}} stands for the batch's key range
     * and the filter (each occurrence binds its own two parameters). Use {@code {range}} in the
     * statement's WHERE so it touches only the batch's rows. No other {@code ?} parameters.
     */
    public Builder sql(String statement) {
      if (statement == null || !statement.contains(RANGE)) {
        throw new ValidationException(
            "sql", "must use {range} to restrict the statement to the batch's keys");
      }
      if (statement.replace(RANGE, "").contains("?")) {
        throw new ValidationException(
            "sql", "must not have ? parameters: Millrace binds only {range}");
      }
      this.sql = Storable.text("sql", statement);
      return this;
    }

    /** The batch body in Java, run inside Millrace's batch transaction. */
    public Builder batch(BatchCallback callback) {
      this.callback = Objects.requireNonNull(callback, "callback");
      return this;
    }

    /**
     * Runs regardless of registration order (default: after every earlier non-independent backfill
     * succeeded).
     */
    public Builder independent() {
      this.independent = true;
      return this;
    }

    /**
     * {@code /ready} answers 503 naming this backfill, with progress and ETA, until it succeeds.
     * Default: not blocking.
     */
    public Builder blocking() {
      this.blocking = true;
      return this;
    }

    /**
     * The batch duration the adaptive size aims at; default 100 ms (grows at most 1.2× per batch,
     * halves on timeout).
     */
    public Builder targetBatchTime(Duration time) {
      this.targetBatchTime = positive("targetBatchTime", time);
      return this;
    }

    /**
     * A batch statement running longer is cancelled and retried at half the size; default 20× the
     * target batch time, at least 2 s.
     */
    public Builder batchTimeout(Duration timeout) {
      this.batchTimeout = positive("batchTimeout", timeout);
      return this;
    }

    /**
     * The pause after each batch, when other writers (and on SQLite, the checkpointer) get their
     * turn; default 20 ms.
     */
    public Builder yieldBetweenBatches(Duration pause) {
      if (pause == null || pause.isNegative()) {
        throw new ValidationException("yieldBetweenBatches", "must be zero or positive");
      }
      this.yieldBetweenBatches = Storable.duration("yieldBetweenBatches", pause);
      return this;
    }

    /** The first batch's size in keys; default 100 (the size then adapts). */
    public Builder initialBatchSize(int size) {
      this.initialBatchSize = range("initialBatchSize", size, 1, 1_000_000);
      return this;
    }

    /** The largest batch in keys; default 50,000. */
    public Builder maxBatchSize(int size) {
      this.maxBatchSize = range("maxBatchSize", size, 1, 1_000_000);
      return this;
    }

    /**
     * How many times in a row a failing step is tried before the backfill is {@code failed};
     * default 5.
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = range("maxAttempts", attempts, 1, 100);
      return this;
    }

    /** SQLite: how long a batch waits for the writer lock ({@code busy_timeout}); default 5 s. */
    public Builder busyTimeout(Duration timeout) {
      this.busyTimeout = positive("busyTimeout", timeout);
      return this;
    }

    /** Adds a throttle; any one that answers holds the next batch back. See {@link Throttles}. */
    public Builder throttle(Throttle throttle) {
      throttles.add(Objects.requireNonNull(throttle, "throttle"));
      return this;
    }

    /** How often a throttled backfill asks its throttles again; default 500 ms. */
    public Builder throttleRecheck(Duration every) {
      this.throttleRecheck = positive("throttleRecheck", every);
      return this;
    }

    /**
     * The table Millrace keeps in the target for cursors and fencing; default {@code
     * millrace_backfill_state}.
     */
    public Builder stateTable(String table) {
      Identifiers.quoted("stateTable", table, true);
      this.stateTable = table;
      return this;
    }

    public Backfill build() {
      if (target == null) {
        throw new ValidationException("target", "must be set for backfill " + name);
      }
      if (table == null) {
        throw new ValidationException("table", "must be set for backfill " + name);
      }
      if (key == null) {
        throw new ValidationException("key", "must be set for backfill " + name);
      }
      if ((sql == null) == (callback == null)) {
        throw new ValidationException(
            "sql", "set exactly one batch body, sql(...) or batch(...), for backfill " + name);
      }
      if (initialBatchSize > maxBatchSize) {
        throw new ValidationException(
            "initialBatchSize", "must not exceed maxBatchSize (" + maxBatchSize + ")");
      }
      return new Backfill(this, target, table, key);
    }

    private static Duration positive(String field, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new ValidationException(field, "must be positive");
      }
      return Storable.duration(field, d);
    }

    private static int range(String field, int value, int min, int max) {
      if (value < min || value > max) {
        throw new ValidationException(
            field, "must be between " + min + " and " + max + ", got " + value);
      }
      return value;
    }
  }
}
