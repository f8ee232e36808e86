package io.millrace.workflows;

import java.util.Map;

/** A submitted workflow: its id and each step's job id, by step name. */
public record SubmittedWorkflow(long id, Map<String, Long> jobIds) {
  /** The job id of step {@code name}. */
  public long jobId(String name) {
    Long id = jobIds.get(name);
    if (id == null) {
      throw new IllegalArgumentException("no step named " + name);
    }
    return id;
  }
}
