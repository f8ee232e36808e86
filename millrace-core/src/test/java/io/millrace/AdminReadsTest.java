package io.millrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.base.Json;
import io.millrace.cluster.NodeInfo;
import io.millrace.jobs.JobRequest;
import io.millrace.projections.Event;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.projections.ProjectionContext;
import io.millrace.projections.ProjectionHandler;
import io.millrace.projections.ProjectionStatus;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import io.millrace.workflows.WorkflowView;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The listings the admin API and the dashboard read (nodes, workflows, projections and their
 * documents, a page handler's prefetch), read here through the core so that the PostgreSQL
 * compatibility runs cover their SQL too.
 */
@Tag("compat")
class AdminReadsTest {
  static TestDatabase db;
  static Millrace node;

  /** Totals per stream, loading every document a page touches with one prefetch. */
  static final class Totals implements ProjectionHandler {
    @Override
    public void apply(Event event, ProjectionContext context) {
      ObjectNode total =
          (ObjectNode)
              context.documents().get(event.stream()).orElse(Json.MAPPER.createObjectNode());
      total.put("sum", total.path("sum").asLong() + event.data().get("n").asLong());
      context.documents().put(event.stream(), total);
    }

    @Override
    public void applyPage(List<Event> page, ProjectionContext context) throws Exception {
      Set<String> streams = new LinkedHashSet<>();
      page.forEach(e -> streams.add(e.stream()));
      context.documents().prefetch(streams);
      ProjectionHandler.super.applyPage(page, context);
    }
  }

  @BeforeAll
  static void start() {
    db = TestDatabase.create("admin_reads");
    node =
        db.builder()
            .queue("default", 2)
            .handler("ok", Map.class, job -> "done")
            .projection(Projection.named("totals").version("1").handler(new Totals()).build())
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  @Test
  void theNodeListShowsThisNodeAsTheLeader() {
    Await.until("this node leads", node::isLeader);
    Await.until(
        "the node list shows the leader",
        () -> node.nodes().list().stream().anyMatch(NodeInfo::leader));
    List<NodeInfo> nodes = node.nodes().list();
    assertThat(nodes).hasSize(1);
    assertThat(nodes.get(0).queues()).containsExactly("default");
    assertThat(nodes.get(0).kinds()).contains("ok");
  }

  @Test
  void workflowsListNewestFirstFilteredByNamespaceAndTagAndPagedById() {
    SubmittedWorkflow first = submit("billing", "nightly");
    SubmittedWorkflow second = submit("billing", "adhoc");
    SubmittedWorkflow other = submit("shipping", "nightly");
    Await.until(
        "the workflows finished",
        () ->
            List.of(first, second, other).stream()
                .allMatch(w -> node.workflows().get(w.id()).orElseThrow().workflow().open() == 0));

    assertThat(ids(node.workflows().list("billing", null, null, 10)))
        .containsExactly(second.id(), first.id());
    assertThat(ids(node.workflows().list(null, "nightly", null, 10)))
        .containsExactly(other.id(), first.id());
    assertThat(ids(node.workflows().list("billing", null, second.id(), 10)))
        .containsExactly(first.id());
    WorkflowView.Summary summary = node.workflows().list("shipping", null, null, 1).get(0);
    assertThat(summary.members()).isEqualTo(2);
    assertThat(summary.completed()).isEqualTo(2);
    assertThat(summary.status()).isEqualTo(WorkflowView.Status.COMPLETED);
  }

  @Test
  void projectionsAndTheirDocumentsAreListedInIdOrder() {
    for (String stream : List.of("c", "a", "b", "a")) {
      node.events().append(stream, EventStore.ANY, List.of(NewEvent.of("added", Map.of("n", 2))));
    }
    Await.until(
        "the totals are projected",
        () ->
            node.projections().document("totals", "a").map(d -> d.get("sum").asLong()).orElse(0L)
                == 4);
    Await.until(
        "every stream is projected",
        () -> node.projections().documents("totals", null, 10).size() == 3);

    List<String> firstPage =
        node.projections().documents("totals", null, 2).stream().map(d -> d.id()).toList();
    assertThat(firstPage).containsExactly("a", "b");
    List<JsonNode> rest =
        node.projections().documents("totals", "b", 2).stream().map(d -> d.doc()).toList();
    assertThat(rest).hasSize(1);
    assertThat(rest.get(0).get("sum").asLong()).isEqualTo(2);

    List<ProjectionStatus> statuses = node.projections().list();
    assertThat(statuses).extracting(ProjectionStatus::name).containsExactly("totals");
    assertThat(statuses.get(0).eventsApplied()).isGreaterThanOrEqualTo(4);
  }

  private static SubmittedWorkflow submit(String namespace, String tag) {
    return node.workflows()
        .submit(
            WorkflowRequest.named(namespace + "-" + tag)
                .namespace(namespace)
                .tags(tag)
                .step("a", JobRequest.of("ok", Map.of()))
                .step("b", JobRequest.of("ok", Map.of()), "a"));
  }

  private static List<Long> ids(List<WorkflowView.Summary> summaries) {
    return summaries.stream().map(WorkflowView.Summary::id).toList();
  }
}
