package io.millrace.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The sections of the admin API's OpenAPI document, one per capability. A capability that adds
 * routes adds its section here (one line) in a class of its own.
 */
final class ApiDocs {
  static final String VERSION = io.millrace.Millrace.version();

  private static final List<OpenApi.Section> SECTIONS =
      List.of(
          new JobsDocs(),
          new OperationsDocs(),
          new WorkflowsDocs(),
          new BackfillsDocs(),
          new ProjectionsDocs(),
          new SchedulesDocs());

  private ApiDocs() {}

  static OpenApi build() {
    OpenApi api =
        new OpenApi(
            "Millrace admin API",
            VERSION,
            "See and steer Millrace: jobs, queues, counters, the cluster, workflows, backfills, projections. One JSON convention: ISO-8601 "
                + "instants, job states in lower case, errors as {\"error\": message, \"field\": offending input or null}.");
    SECTIONS.forEach(s -> s.describe(api));
    ReadSource.describe(api);
    return api;
  }

  static ObjectNode document() {
    return build().document();
  }
}
