package io.millrace.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;

/**
 * The core's public API, stated once: every public top-level class an application (and the server
 * and the CLI) may use. A public class outside this list is either under {@code
 * io.millrace.internal} or a capability's component (the wiring {@code Millrace} composes); a new
 * one fails the build until it is added here on purpose, or made package-private.
 */
public final class PublicApi {
  private PublicApi() {}

  public static final Set<String> CLASSES =
      Set.of(
          "io.millrace.Millrace",
          "io.millrace.MillraceBuilder",
          "io.millrace.ReplicaReads",
          // base: errors, the rule for storable values, Millrace's JSON and the application's
          // codecs
          "io.millrace.base.Contract",
          "io.millrace.base.Jackson2Codec",
          "io.millrace.base.Jackson3Codec",
          "io.millrace.base.Json",
          "io.millrace.base.JsonCodec",
          "io.millrace.base.MillraceException",
          "io.millrace.base.Storable",
          "io.millrace.base.TypeRef",
          "io.millrace.base.ValidationException",
          // jobs
          "io.millrace.jobs.Backoff",
          "io.millrace.jobs.BulkActions",
          "io.millrace.jobs.EnqueueResult",
          "io.millrace.jobs.HandlerBinding",
          "io.millrace.jobs.Job",
          "io.millrace.jobs.JobAdmin",
          "io.millrace.jobs.JobContext",
          "io.millrace.jobs.JobError",
          "io.millrace.jobs.JobHandler",
          "io.millrace.jobs.JobRequest",
          "io.millrace.jobs.JobState",
          "io.millrace.jobs.JobsOptions",
          "io.millrace.jobs.MisfirePolicy",
          "io.millrace.jobs.NonRetryableException",
          "io.millrace.jobs.Outcome",
          "io.millrace.jobs.PeriodicJob",
          "io.millrace.jobs.QueueLimits",
          "io.millrace.jobs.RetryPolicy",
          "io.millrace.jobs.Schedule",
          "io.millrace.jobs.ScheduleStatus",
          "io.millrace.jobs.Schedules",
          "io.millrace.jobs.WorkerSettings",
          // counts
          "io.millrace.counts.Accuracy",
          "io.millrace.counts.Counts",
          "io.millrace.counts.CountsReport",
          "io.millrace.counts.Drift",
          "io.millrace.counts.QueueCounts",
          "io.millrace.counts.QueueOverview",
          "io.millrace.counts.Trust",
          // cluster and health
          "io.millrace.cluster.ConnectionBudget",
          "io.millrace.cluster.MaintenanceFailure",
          "io.millrace.cluster.NodeInfo",
          "io.millrace.cluster.Nodes",
          "io.millrace.health.Readiness",
          // schema
          "io.millrace.schema.SchemaMigrator",
          "io.millrace.schema.SchemaName",
          // workflows
          "io.millrace.workflows.JoinPolicy",
          "io.millrace.workflows.SubmittedWorkflow",
          "io.millrace.workflows.WorkflowOptions",
          "io.millrace.workflows.WorkflowRequest",
          "io.millrace.workflows.WorkflowView",
          "io.millrace.workflows.Workflows",
          // backfills
          "io.millrace.backfills.Backfill",
          "io.millrace.backfills.BackfillState",
          "io.millrace.backfills.BackfillStatus",
          "io.millrace.backfills.Backfills",
          "io.millrace.backfills.BatchCallback",
          "io.millrace.backfills.KeyRange",
          "io.millrace.backfills.KeyType",
          "io.millrace.backfills.Throttle",
          "io.millrace.backfills.Throttles",
          // projections
          "io.millrace.projections.AppendResult",
          "io.millrace.projections.ConcurrencyException",
          "io.millrace.projections.Document",
          "io.millrace.projections.Documents",
          "io.millrace.projections.Event",
          "io.millrace.projections.EventStore",
          "io.millrace.projections.LogPosition",
          "io.millrace.projections.NewEvent",
          "io.millrace.projections.Projection",
          "io.millrace.projections.ProjectionContext",
          "io.millrace.projections.ProjectionHandler",
          "io.millrace.projections.ProjectionStatus",
          "io.millrace.projections.Projections",
          "io.millrace.projections.QueryStatus");

  private static final DescribedPredicate<JavaClass> API =
      DescribedPredicate.describe(
          "in the public API", c -> CLASSES.contains(c.getEnclosingClass().orElse(c).getName()));

  private static final DescribedPredicate<JavaClass> WIRING =
      DescribedPredicate.describe(
          "Millrace's wiring (io.millrace.internal, or a capability's component)",
          c ->
              c.getPackageName().startsWith("io.millrace.internal")
                  || c.isAssignableTo("io.millrace.internal.cluster.Component"));

  /** The core's public top-level classes are the API or its wiring; nothing else. */
  public static ArchRule publicClassesAreTheApiOrItsWiring() {
    return classes()
        .that()
        .haveModifier(JavaModifier.PUBLIC)
        .and()
        .areTopLevelClasses()
        .and()
        .resideInAPackage("io.millrace..")
        .should(
            com.tngtech.archunit.lang.conditions.ArchConditions.be(
                DescribedPredicate.or(API, WIRING)))
        .because("machinery must stay package-private or internal");
  }

  /**
   * Classes in {@code pkg} (and its subpackages) use no Millrace class outside {@code pkg} but the
   * public API.
   */
  public static ArchRule usedOnlyThroughTheApiBy(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(pkg + "..")
        .should()
        .dependOnClassesThat(
            DescribedPredicate.describe(
                "are core classes outside the public API",
                c ->
                    c.getPackageName().startsWith("io.millrace")
                        && !c.getPackageName().startsWith(pkg)
                        // The CLI runs the server through the server's own public classes.
                        && !c.getPackageName().startsWith("io.millrace.server")
                        && !API.test(c)))
        .because("the server and the CLI are clients of the public API, like any application");
  }
}
