package io.millrace.workflows;

import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A workflow to submit: named steps, each a {@link JobRequest}, with the steps it waits for and its
 * {@link JoinPolicy}. Nothing is checked against the others until {@link Workflows#submit}, which
 * validates the whole graph (names, unknown parents, duplicate edges, cycles, quorum sizes) before
 * writing anything.
 *
 * <pre>{@code
 * WorkflowRequest etl = WorkflowRequest.named("nightly-etl")
 *     .namespace("billing").tags("nightly")
 *     .step("extract-a", JobRequest.of("etl.extract", Map.of("source", "a")))
 *     .step("extract-b", JobRequest.of("etl.extract", Map.of("source", "b")))
 *     .step("transform", JobRequest.of("etl.transform", Map.of()), "extract-a", "extract-b")
 *     .step("load", JobRequest.of("etl.load", Map.of()), JoinPolicy.anyOf(), "transform");
 * }</pre>
 */
public final class WorkflowRequest {
  /** One step: its name within the workflow, its job, its join and the steps it waits for. */
  public record Step(String name, JobRequest job, JoinPolicy join, List<String> parents) {}

  private final String name;
  private @Nullable String namespace;
  private List<String> tags = List.of();
  private final List<Step> steps = new ArrayList<>();

  private WorkflowRequest(String name) {
    this.name = name;
  }

  /** A workflow called {@code name} (1-128 of A-Z a-z 0-9 . _ : -); names need not be unique. */
  public static WorkflowRequest named(String name) {
    return new WorkflowRequest(JobRequest.requireName("name", name));
  }

  /** Groups workflows for listing and for a reconciler that serves only some of them. */
  public WorkflowRequest namespace(String namespace) {
    this.namespace = JobRequest.requireName("namespace", namespace);
    return this;
  }

  public WorkflowRequest tags(String... tags) {
    if (tags == null) {
      throw new ValidationException("tags", "must not be null");
    }
    List<String> checked = new ArrayList<>();
    for (String tag : tags) {
      checked.add(JobRequest.requireName("tags", tag));
    }
    if (checked.size() > JobRequest.MAX_TAGS) {
      throw new ValidationException("tags", "at most " + JobRequest.MAX_TAGS + " tags");
    }
    this.tags = List.copyOf(checked);
    return this;
  }

  /** A step that waits for all of {@code parents} (none: it runs at once). */
  public WorkflowRequest step(String name, JobRequest job, String... parents) {
    return step(name, job, JoinPolicy.allOf(), parents);
  }

  /** A step that runs when {@code join} is met by {@code parents}. */
  public WorkflowRequest step(String name, JobRequest job, JoinPolicy join, String... parents) {
    if (parents == null) {
      throw new ValidationException("parents", "must not be null");
    }
    // Arrays.asList, not List.of: a null parent is reported by submit as an unknown parent.
    steps.add(
        new Step(
            name,
            job,
            Objects.requireNonNullElse(join, JoinPolicy.allOf()),
            Collections.unmodifiableList(Arrays.asList(parents.clone()))));
    return this;
  }

  public String name() {
    return name;
  }

  public @Nullable String namespace() {
    return namespace;
  }

  public List<String> tags() {
    return tags;
  }

  public List<Step> steps() {
    return List.copyOf(steps);
  }

  /** Steps by name, in the order they were added (validation has rejected duplicate names). */
  Map<String, Step> byName() {
    Map<String, Step> out = new LinkedHashMap<>();
    steps.forEach(s -> out.put(s.name(), s));
    return out;
  }
}
