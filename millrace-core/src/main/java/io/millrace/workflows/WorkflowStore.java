package io.millrace.workflows;

import io.millrace.base.Json;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.trace.TraceContexts;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * The writes of a workflow's life outside the cascade: submit and cancel. A submit is five
 * statements on the caller's connection (ids, workflow row, member jobs, member rows, edges), so it
 * commits or rolls back with the caller's transaction; it is validated before the first one.
 */
final class WorkflowStore {
  /** What a cancel did; {@code found} is false for an unknown workflow. */
  record CancelCounts(boolean found, int cancelled, int cancelRequested) {}

  private final SchemaName schema;
  private final SqlFile sql;

  private final ToIntFunction<JobRequest> maxAttempts;

  WorkflowStore(SchemaName schema, SqlFile sql, ToIntFunction<JobRequest> maxAttempts) {
    this.schema = schema;
    this.sql = sql;
    this.maxAttempts = maxAttempts;
  }

  /**
   * @param args the steps' args as JSON text, in step order (as the validator wrote them)
   */
  SubmittedWorkflow submit(Connection c, WorkflowRequest request, String[] args)
      throws SQLException {
    List<WorkflowRequest.Step> steps = request.steps();
    int n = steps.size();
    Map<String, Long> ids = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("next_job_ids"))) {
      ps.setInt(1, n);
      try (ResultSet rs = ps.executeQuery()) {
        for (int i = 0; rs.next(); i++) {
          ids.put(steps.get(i).name(), rs.getLong(1));
        }
      }
    }
    long workflowId;
    try (PreparedStatement ps = c.prepareStatement(sql.get("insert_workflow"))) {
      ps.setString(1, request.name());
      ps.setString(2, request.namespace());
      ps.setArray(3, c.createArrayOf("text", request.tags().toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        workflowId = rs.getLong(1);
      }
    }
    Long[] jobIds = new Long[n];
    String[] queues = new String[n];
    String[] kinds = new String[n];
    Integer[] priorities = new Integer[n];
    @Nullable String[] runAts = new @Nullable String[n];
    Integer[] maxAttempts = new Integer[n];
    String[] tags = new String[n];
    @Nullable Long[] timeouts = new @Nullable Long[n];
    Boolean[] hasParents = new Boolean[n];
    String[] names = new String[n];
    String[] policies = new String[n];
    Integer[] needed = new Integer[n];
    Integer[] parents = new Integer[n];
    List<Long> edgeParents = new ArrayList<>();
    List<Long> edgeChildren = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      WorkflowRequest.Step step = steps.get(i);
      JobRequest r = step.job();
      jobIds[i] = idOf(ids, step.name());
      queues[i] = r.queue();
      kinds[i] = r.kind();
      priorities[i] = r.priority();
      runAts[i] = r.runAt() == null ? null : r.runAt().toString();
      maxAttempts[i] = this.maxAttempts.applyAsInt(r);
      tags[i] = Json.write(r.tags());
      timeouts[i] = r.timeout() == null ? null : r.timeout().toMillis();
      hasParents[i] = !step.parents().isEmpty();
      names[i] = step.name();
      policies[i] = step.join().dbValue();
      parents[i] = step.parents().size();
      needed[i] = step.join().needed(parents[i]);
      for (String parent : step.parents()) {
        edgeParents.add(idOf(ids, parent));
        edgeChildren.add(jobIds[i]);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("insert_members"))) {
      ps.setLong(1, workflowId);
      ps.setArray(2, c.createArrayOf("int8", jobIds));
      ps.setArray(3, c.createArrayOf("text", queues));
      ps.setArray(4, c.createArrayOf("text", kinds));
      ps.setArray(5, c.createArrayOf("text", args));
      ps.setArray(6, c.createArrayOf("int4", priorities));
      ps.setArray(7, c.createArrayOf("text", runAts));
      ps.setArray(8, c.createArrayOf("int4", maxAttempts));
      ps.setArray(9, c.createArrayOf("text", tags));
      ps.setArray(10, c.createArrayOf("int8", timeouts));
      ps.setArray(11, c.createArrayOf("bool", hasParents));
      ps.setString(12, TraceContexts.current());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("insert_member_rows"))) {
      ps.setLong(1, workflowId);
      ps.setArray(2, c.createArrayOf("int8", jobIds));
      ps.setArray(3, c.createArrayOf("text", names));
      ps.setArray(4, c.createArrayOf("text", policies));
      ps.setArray(5, c.createArrayOf("int4", needed));
      ps.setArray(6, c.createArrayOf("int4", parents));
      ps.executeUpdate();
    }
    if (!edgeParents.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("insert_edges"))) {
        ps.setLong(1, workflowId);
        ps.setArray(2, c.createArrayOf("int8", edgeParents.toArray()));
        ps.setArray(3, c.createArrayOf("int8", edgeChildren.toArray()));
        ps.executeUpdate();
      }
    }
    return new SubmittedWorkflow(workflowId, Map.copyOf(ids));
  }

  /**
   * Marks the workflow cancelled, cancels every waiting member (each with its completion event, so
   * the cascade sees it) and asks running members to stop, all in the caller's transaction.
   */
  CancelCounts cancel(Connection c, long workflowId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("mark_cancelled"))) {
      ps.setLong(1, workflowId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return new CancelCounts(false, 0, 0);
        }
      }
    }
    int cancelled = 0;
    try (PreparedStatement ps = c.prepareStatement(sql.get("cancel_waiting_members"))) {
      ps.setLong(1, workflowId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          cancelled++;
        }
      }
    }
    List<Long> running = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("cancel_running_members"))) {
      ps.setLong(1, workflowId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          running.add(rs.getLong(1));
        }
      }
    }
    for (long id : running) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("notify"))) {
        ps.setString(1, schema.cancelChannel());
        ps.setString(2, Long.toString(id));
        ps.executeQuery().close();
      }
    }
    return new CancelCounts(true, cancelled, running.size());
  }

  private static long idOf(Map<String, Long> ids, String step) {
    Long id = ids.get(step);
    if (id == null) {
      // Every step got an id above, and validation refused unknown parents.
      throw new IllegalStateException("workflow step " + step + " has no job id");
    }
    return id;
  }
}
