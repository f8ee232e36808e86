package io.millrace.jobs;

import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.internal.trace.TraceContexts;
import io.millrace.schema.SchemaName;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Inserts jobs, one or thousands, in a single round trip ({@code unnest} of parameter arrays).
 *
 * <p>Everything is validated before the statement runs, and the statement is atomic, so a bad
 * request writes nothing. Given a {@link Connection}, the insert joins the caller's transaction: a
 * rollback leaves no job and a commit makes them visible to workers (the NOTIFY that wakes them is
 * delivered at commit too).
 */
final class Enqueuer {
  private static final int MAX_DUPLICATE_LOOKUPS = 5;

  private final DataSource dataSource;
  private final SqlFile sql;
  private final int maxArgsBytes;
  private final Predicate<String> kindAccepted;
  private final ToIntFunction<JobRequest> maxAttempts;
  private final JsonCodec codec;

  /**
   * @param kindAccepted whether a kind may be enqueued; a node that registered handlers rejects
   *     kinds no handler knows unless they were declared as handled elsewhere
   * @param maxAttempts the max attempts a request is stored with (its own, or its kind's policy's)
   * @param codec writes args given as objects
   */
  Enqueuer(
      DataSource dataSource,
      SchemaName schema,
      int maxArgsBytes,
      Predicate<String> kindAccepted,
      ToIntFunction<JobRequest> maxAttempts,
      JsonCodec codec) {
    this.dataSource = dataSource;
    this.codec = codec;
    this.sql = SqlFile.load(Enqueuer.class, "jobs.sql", schema);
    this.maxArgsBytes = maxArgsBytes;
    this.kindAccepted = kindAccepted;
    this.maxAttempts = maxAttempts;
  }

  /** Enqueues in a transaction of its own. */
  List<EnqueueResult> enqueue(List<JobRequest> requests) {
    String[] args = validate(requests);
    try {
      return Transactions.inTransaction(dataSource, c -> insert(c, requests, args));
    } catch (SQLException e) {
      throw new MillraceException("enqueue failed: " + e.getMessage(), e);
    }
  }

  /** Enqueues inside the caller's transaction; commits nothing. */
  List<EnqueueResult> enqueue(Connection connection, List<JobRequest> requests) {
    String[] args = validate(requests);
    try {
      return insert(connection, requests, args);
    } catch (SQLException e) {
      throw new MillraceException("enqueue failed: " + e.getMessage(), e);
    }
  }

  /** Checks every request and returns their args as JSON text, in request order. */
  private String[] validate(List<JobRequest> requests) {
    if (requests.isEmpty()) {
      throw new ValidationException("jobs", "nothing to enqueue");
    }
    String[] args = new String[requests.size()];
    for (int i = 0; i < args.length; i++) {
      JobRequest r = requests.get(i);
      args[i] = r.argsJson(codec);
      int size = args[i].getBytes(StandardCharsets.UTF_8).length;
      if (size > maxArgsBytes) {
        throw new ValidationException(
            "args",
            "is "
                + size
                + " bytes, over the limit of "
                + maxArgsBytes
                + " bytes (kind "
                + r.kind()
                + ")");
      }
      if (!kindAccepted.test(r.kind())) {
        throw new ValidationException(
            "kind", "'" + r.kind() + "' is unknown: no handler is registered for it on this node");
      }
    }
    return args;
  }

  private List<EnqueueResult> insert(Connection c, List<JobRequest> requests, String[] args)
      throws SQLException {
    int n = requests.size();
    String[] queues = new String[n];
    String[] kinds = new String[n];
    Integer[] priorities = new Integer[n];
    @Nullable String[] runAts = new @Nullable String[n];
    Integer[] maxAttempts = new Integer[n];
    @Nullable String[] uniqueKeys = new @Nullable String[n];
    String[] tags = new String[n];
    @Nullable Long[] timeouts = new @Nullable Long[n];
    for (int i = 0; i < n; i++) {
      JobRequest r = requests.get(i);
      queues[i] = r.queue();
      kinds[i] = r.kind();
      priorities[i] = r.priority();
      runAts[i] = r.runAt() == null ? null : r.runAt().toString();
      maxAttempts[i] = this.maxAttempts.applyAsInt(r);
      uniqueKeys[i] = r.uniqueKey();
      tags[i] = Json.write(r.tags());
      timeouts[i] = r.timeout() == null ? null : r.timeout().toMillis();
    }
    EnqueueResult[] results = new EnqueueResult[n];
    Map<String, List<Integer>> duplicates = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("insert_jobs"))) {
      ps.setArray(1, c.createArrayOf("text", queues));
      ps.setArray(2, c.createArrayOf("text", kinds));
      ps.setArray(3, c.createArrayOf("text", args));
      ps.setArray(4, c.createArrayOf("int4", priorities));
      ps.setArray(5, c.createArrayOf("text", runAts));
      ps.setArray(6, c.createArrayOf("int4", maxAttempts));
      ps.setArray(7, c.createArrayOf("text", uniqueKeys));
      ps.setArray(8, c.createArrayOf("text", tags));
      ps.setArray(9, c.createArrayOf("int8", timeouts));
      // The caller's trace context, one for the whole call (null, and nothing stored, untraced).
      ps.setString(10, TraceContexts.current());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int index = rs.getInt(1) - 1;
          if (rs.getBoolean(4)) {
            results[index] = new EnqueueResult(rs.getLong(2), false);
          } else {
            duplicates.computeIfAbsent(rs.getString(3), k -> new ArrayList<>()).add(index);
          }
        }
      }
    }
    if (!duplicates.isEmpty()) {
      resolveDuplicates(c, requests, args, results, duplicates);
    }
    return List.of(results);
  }

  /**
   * Finds the unfinished jobs that hold the keys we could not insert. A holder may finish between
   * the insert and this lookup, releasing its key; those requests are inserted again.
   */
  private void resolveDuplicates(
      Connection c,
      List<JobRequest> requests,
      String[] args,
      EnqueueResult[] results,
      Map<String, List<Integer>> duplicates)
      throws SQLException {
    for (int round = 0; round < MAX_DUPLICATE_LOOKUPS && !duplicates.isEmpty(); round++) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("find_by_unique_keys"))) {
        ps.setArray(1, c.createArrayOf("text", duplicates.keySet().toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // Each key was asked for once, and unique_key is unique: a row's key is still waiting.
            List<Integer> waiting = duplicates.remove(rs.getString(1));
            if (waiting == null) {
              throw new SQLException("unique key lookup returned a key twice: " + rs.getString(1));
            }
            for (int index : waiting) {
              results[index] = new EnqueueResult(rs.getLong(2), true);
            }
          }
        }
      }
      if (duplicates.isEmpty()) {
        return;
      }
      List<Integer> again = new ArrayList<>();
      duplicates.values().forEach(again::addAll);
      duplicates.clear();
      List<JobRequest> retry = again.stream().map(requests::get).toList();
      String[] retryArgs = again.stream().map(i -> args[i]).toArray(String[]::new);
      List<EnqueueResult> inserted = insert(c, retry, retryArgs);
      for (int i = 0; i < again.size(); i++) {
        results[again.get(i)] = inserted.get(i);
      }
    }
    if (!duplicates.isEmpty()) {
      throw new MillraceException(
          "could not resolve unique keys " + duplicates.keySet() + " after retries");
    }
  }
}
