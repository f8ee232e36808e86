package io.millrace.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.jobs.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Reads workflows for operators and for child handlers. Read-only; one short query each. */
final class WorkflowReader {
  private final SqlFile sql;

  WorkflowReader(SqlFile sql) {
    this.sql = sql;
  }

  Optional<WorkflowView.Detail> get(Connection c, long id) throws SQLException {
    WorkflowView.Summary summary;
    try (PreparedStatement ps = c.prepareStatement(sql.get("get_workflow"))) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        summary = summary(rs);
      }
    }
    List<WorkflowView.Member> members = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("members"))) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          members.add(
              new WorkflowView.Member(
                  rs.getLong("job_id"),
                  rs.getString("name"),
                  rs.getString("kind"),
                  rs.getString("queue"),
                  state(rs.getString("state")),
                  JoinPolicy.fromDb(rs.getString("join_policy"), rs.getInt("needed")).toString(),
                  rs.getInt("parents"),
                  rs.getInt("succeeded"),
                  rs.getInt("failed"),
                  Json.tree(rs.getString("result")),
                  Instants.get(rs, "finished_at")));
        }
      }
    }
    List<WorkflowView.Edge> edges = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("edges"))) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          edges.add(
              new WorkflowView.Edge(
                  rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
        }
      }
    }
    return Optional.of(new WorkflowView.Detail(summary, members, edges));
  }

  List<WorkflowView.Summary> list(
      Connection c,
      @Nullable String namespace,
      @Nullable String tag,
      @Nullable Long beforeId,
      int limit)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("list_workflows"))) {
      ps.setString(1, namespace);
      ps.setString(2, namespace);
      ps.setString(3, tag);
      ps.setString(4, tag);
      ps.setLong(5, beforeId == null ? Long.MAX_VALUE : beforeId);
      ps.setInt(6, limit);
      List<WorkflowView.Summary> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(summary(rs));
        }
      }
      return out;
    }
  }

  Map<String, WorkflowView.ParentResult> parentResults(Connection c, long jobId)
      throws SQLException {
    Map<String, WorkflowView.ParentResult> out = new LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("parent_results"))) {
      ps.setLong(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          JsonNode result = Json.tree(rs.getString(4));
          out.put(
              rs.getString(1),
              new WorkflowView.ParentResult(
                  rs.getString(1), rs.getLong(2), state(rs.getString(3)), result));
        }
      }
    }
    return out;
  }

  private static WorkflowView.Summary summary(ResultSet rs) throws SQLException {
    int members = rs.getInt("members");
    int open = rs.getInt("open");
    int completed = rs.getInt("completed");
    Instant cancelledAt = Instants.get(rs, "cancelled_at");
    WorkflowView.Status status =
        cancelledAt != null
            ? WorkflowView.Status.CANCELLED
            : open > 0
                ? WorkflowView.Status.RUNNING
                : completed == members
                    ? WorkflowView.Status.COMPLETED
                    : WorkflowView.Status.FINISHED_WITH_FAILURES;
    return new WorkflowView.Summary(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getString("namespace"),
        List.of((String[]) rs.getArray("tags").getArray()),
        status,
        members,
        open,
        completed,
        Instants.require(rs, "created_at"),
        cancelledAt,
        open == 0 ? Instants.get(rs, "last_finished_at") : null);
  }

  private static @Nullable JobState state(@Nullable String value) {
    return value == null ? null : JobState.fromDb(value);
  }
}
