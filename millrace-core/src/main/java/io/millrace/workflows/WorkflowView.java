package io.millrace.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.jobs.JobState;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Workflows as operators see them (admin API, CLI). */
public final class WorkflowView {
  private WorkflowView() {}

  /** Where a workflow is, derived from its members. */
  public enum Status {
    /** Some member has not finished (or its completion is not dispatched yet). */
    RUNNING,
    /** Every member completed. */
    COMPLETED,
    /** Every member finished and at least one did not complete (failed, cancelled or skipped). */
    FINISHED_WITH_FAILURES,
    /** Cancelled by an operator; members still running may take a moment to stop. */
    CANCELLED;

    /** Lower case, as the API and the CLI show it. */
    @com.fasterxml.jackson.annotation.JsonValue
    public String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * @param open members whose completion has not been dispatched yet
   * @param finishedAt when the last member's completion was dispatched, once nothing is open
   */
  public record Summary(
      long id,
      String name,
      @Nullable String namespace,
      List<String> tags,
      Status status,
      int members,
      int open,
      int completed,
      Instant createdAt,
      @Nullable Instant cancelledAt,
      @Nullable Instant finishedAt) {}

  /**
   * @param state the member job's state now (pending while it waits for its parents)
   * @param succeeded parents that completed, as dispatched so far
   * @param failed parents that failed, were cancelled or skipped, as dispatched so far
   * @param result what the handler returned, once completed
   */
  public record Member(
      long jobId,
      String name,
      String kind,
      String queue,
      @Nullable JobState state,
      String join,
      int parents,
      int succeeded,
      int failed,
      @Nullable JsonNode result,
      @Nullable Instant finishedAt) {}

  /** parent -> child. */
  public record Edge(long parentId, String parent, long childId, String child) {}

  public record Detail(Summary workflow, List<Member> members, List<Edge> edges) {}

  /**
   * What a child's handler sees of one parent. {@code result} is null unless it completed; {@code
   * state} is null only if the parent's job left history before its end was recorded.
   */
  public record ParentResult(
      String name, long jobId, @Nullable JobState state, @Nullable JsonNode result) {}
}
