package io.millrace.workflows;

import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Checks a whole {@link WorkflowRequest} before anything is written, so a bad workflow writes
 * nothing and the error names the field: {@code steps} (empty or too many), {@code steps[i].name},
 * {@code steps[name].parents} (unknown parent, duplicate edge, self edge, cycle — the cycle is
 * spelled out), {@code steps[name].join}, {@code steps[name].uniqueKey}, {@code steps[name].args}
 * and {@code steps[name].kind}.
 */
final class WorkflowValidator {
  /** The most steps one workflow may have; the submit is one transaction of a few statements. */
  static final int MAX_STEPS = 10_000;

  private final int maxArgsBytes;
  private final Predicate<String> kindAccepted;
  private final JsonCodec codec;

  /**
   * @param codec writes steps' args given as objects
   */
  WorkflowValidator(int maxArgsBytes, Predicate<String> kindAccepted, JsonCodec codec) {
    this.maxArgsBytes = maxArgsBytes;
    this.kindAccepted = kindAccepted;
    this.codec = codec;
  }

  /** Checks {@code request} and returns its steps' args as JSON text, in step order. */
  String[] validate(WorkflowRequest request) {
    List<WorkflowRequest.Step> steps = request.steps();
    if (steps.isEmpty()) {
      throw new ValidationException("steps", "a workflow needs at least one step");
    }
    if (steps.size() > MAX_STEPS) {
      throw new ValidationException(
          "steps", "at most " + MAX_STEPS + " steps, got " + steps.size());
    }
    Map<String, WorkflowRequest.Step> byName = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      WorkflowRequest.Step step = steps.get(i);
      JobRequest.requireName("steps[" + i + "].name", step.name());
      if (byName.putIfAbsent(step.name(), step) != null) {
        throw new ValidationException(
            "steps[" + i + "].name", "step '" + step.name() + "' appears twice");
      }
      if (step.job() == null) {
        throw new ValidationException(field(step, "job"), "is missing");
      }
    }
    String[] args = new String[steps.size()];
    for (int i = 0; i < args.length; i++) {
      WorkflowRequest.Step step = steps.get(i);
      checkParents(step, byName);
      args[i] = checkJob(step);
    }
    List<String> cycle = findCycle(steps, byName);
    if (!cycle.isEmpty()) {
      throw new ValidationException(
          field(cycle.get(0), "parents"), "cycle " + String.join(" -> ", cycle));
    }
    return args;
  }

  private static void checkParents(
      WorkflowRequest.Step step, Map<String, WorkflowRequest.Step> byName) {
    Set<String> seen = new HashSet<>();
    for (String parent : step.parents()) {
      if (parent == null || !byName.containsKey(parent)) {
        throw new ValidationException(
            field(step, "parents"), "unknown parent '" + Storable.shown(parent) + "'");
      }
      if (parent.equals(step.name())) {
        throw new ValidationException(field(step, "parents"), "cycle " + parent + " -> " + parent);
      }
      if (!seen.add(parent)) {
        throw new ValidationException(
            field(step, "parents"), "duplicate edge " + parent + " -> " + step.name());
      }
    }
    JoinPolicy join = step.join();
    if (step.parents().isEmpty() && join.kind() != JoinPolicy.Kind.ALL) {
      throw new ValidationException(
          field(step, "join"), join + " needs parents; a step without parents runs at once");
    }
    if (join.kind() == JoinPolicy.Kind.QUORUM && join.k() > step.parents().size()) {
      throw new ValidationException(
          field(step, "join"), join + " can never be met by " + step.parents().size() + " parents");
    }
  }

  /** Checks a step's job and returns its args as JSON text. */
  private String checkJob(WorkflowRequest.Step step) {
    JobRequest job = step.job();
    if (job.uniqueKey() != null) {
      // A unique key that another job holds would make the member an existing, foreign job.
      throw new ValidationException(
          field(step, "uniqueKey"), "workflow steps cannot carry unique keys");
    }
    String args;
    try {
      args = job.argsJson(codec);
    } catch (ValidationException e) {
      String prefix = e.field() + ": ";
      String message = String.valueOf(e.getMessage());
      throw new ValidationException(
          field(step, "args"),
          message.startsWith(prefix) ? message.substring(prefix.length()) : message);
    }
    int size = args.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxArgsBytes) {
      throw new ValidationException(
          field(step, "args"),
          "is " + size + " bytes, over the limit of " + maxArgsBytes + " bytes");
    }
    if (!kindAccepted.test(job.kind())) {
      throw new ValidationException(
          field(step, "kind"),
          "'" + job.kind() + "' is unknown: no handler is registered for it on this node");
    }
    return args;
  }

  /** A cycle as step names, first repeated last (a -> b -> a), or empty. Iterative DFS. */
  static List<String> findCycle(
      List<WorkflowRequest.Step> steps, Map<String, WorkflowRequest.Step> byName) {
    Map<String, Integer> color = new HashMap<>(); // absent white, 1 on the path, 2 done
    for (WorkflowRequest.Step start : steps) {
      if (color.containsKey(start.name())) {
        continue;
      }
      Deque<String> path = new ArrayDeque<>();
      Deque<java.util.Iterator<String>> next = new ArrayDeque<>();
      path.push(start.name());
      next.push(start.parents().iterator());
      color.put(start.name(), 1);
      while (!path.isEmpty()) {
        java.util.Iterator<String> it = next.peek();
        if (!it.hasNext()) {
          color.put(path.pop(), 2);
          next.pop();
          continue;
        }
        String parent = it.next();
        Integer c = color.get(parent);
        if (c == null) {
          color.put(parent, 1);
          path.push(parent);
          WorkflowRequest.Step step = byName.get(parent);
          // An unknown parent (reported by validate) has no parents of its own: no cycle through
          // it.
          next.push(
              step == null ? java.util.Collections.emptyIterator() : step.parents().iterator());
        } else if (c == 1) {
          // path holds child <- parent <- ... ; edges run parent -> child, so read it backwards.
          List<String> cycle = new ArrayList<>();
          for (String s : path) { // top of the stack first: the deepest ancestor
            cycle.add(s);
            if (s.equals(parent)) {
              break;
            }
          }
          cycle.add(0, parent);
          return cycle;
        }
      }
    }
    return List.of();
  }

  private static String field(WorkflowRequest.Step step, String what) {
    return field(step.name(), what);
  }

  private static String field(String step, String what) {
    return "steps[" + step + "]." + what;
  }
}
