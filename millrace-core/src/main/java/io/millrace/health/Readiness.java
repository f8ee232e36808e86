package io.millrace.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether this node is ready to serve, as the sum of named checks contributed by each capability
 * (schema migrated; later: required projections caught up, blocking backfills finished). Liveness
 * is not this: a node is alive as soon as it listens.
 */
public final class Readiness {
  /** One check's answer. {@code details} carries what an operator needs: lag, ETA, the error. */
  public record Status(String name, boolean ready, String message, Map<String, Object> details) {
    public static Status ready(String name, String message) {
      return new Status(name, true, message, Map.of());
    }

    public static Status notReady(String name, String message, Map<String, Object> details) {
      return new Status(name, false, message, details);
    }
  }

  /** A readiness check; must be cheap, it runs on every {@code /ready}. */
  @FunctionalInterface
  public interface Check {
    Status check();
  }

  /** The whole answer: ready only if every check is. */
  public record Report(boolean ready, List<Status> checks) {
    public List<Status> pending() {
      return checks.stream().filter(s -> !s.ready()).toList();
    }
  }

  private final List<Check> checks = new CopyOnWriteArrayList<>();

  public void add(Check check) {
    checks.add(check);
  }

  public Report report() {
    List<Status> statuses = new ArrayList<>();
    for (Check check : checks) {
      Status s;
      try {
        s = check.check();
      } catch (RuntimeException e) {
        s = Status.notReady("check", "a readiness check failed: " + e.getMessage(), Map.of());
      }
      statuses.add(s);
    }
    return new Report(statuses.stream().allMatch(Status::ready), List.copyOf(statuses));
  }
}
