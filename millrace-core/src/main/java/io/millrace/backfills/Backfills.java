package io.millrace.backfills;

import io.millrace.base.MillraceException;
import io.millrace.health.Readiness;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Looking at and steering backfills, from any node or the CLI (no definition needed: it all goes
 * through Millrace's registry table). Pause, resume, cancel and retry are single guarded UPDATEs; a
 * running node notices at its next heartbeat, i.e. after the batch in flight.
 */
public final class Backfills {
  /** What an operator's action did: {@code applied} false when the state did not allow it. */
  public record Action(String name, String action, boolean applied, BackfillState state) {}

  private final Registry registry;
  private final List<String> blocking;
  private final Set<String> succeeded = ConcurrentHashMap.newKeySet();

  Backfills(DataSource dataSource, SchemaName schema, List<Backfill> definitions) {
    this.registry = new Registry(dataSource, schema);
    this.blocking = definitions.stream().filter(Backfill::blocking).map(Backfill::name).toList();
  }

  /** Every registered backfill in registration order. */
  public List<BackfillStatus> list() {
    try {
      return registry.list();
    } catch (SQLException e) {
      throw new MillraceException("could not list backfills: " + e.getMessage(), e);
    }
  }

  public Optional<BackfillStatus> get(String name) {
    JobRequest.requireName("name", name);
    try {
      return registry.get(name);
    } catch (SQLException e) {
      throw new MillraceException("could not read backfill " + name + ": " + e.getMessage(), e);
    }
  }

  /** pending or running → paused (the running node stops after its batch in flight). */
  public Optional<Action> pause(String name) {
    return act(name, "pause");
  }

  /** paused → pending: a node takes it again and continues from the cursor. */
  public Optional<Action> resume(String name) {
    return act(name, "resume");
  }

  /** Anything not finished → cancelled; what was committed stays committed. */
  public Optional<Action> cancel(String name) {
    return act(name, "cancel");
  }

  /** failed or cancelled → pending; continues from the cursor kept in the target. */
  public Optional<Action> retry(String name) {
    return act(name, "retry");
  }

  private Optional<Action> act(String name, String action) {
    JobRequest.requireName("name", name);
    try {
      boolean applied = registry.transition(action, name);
      return registry.get(name).map(s -> new Action(name, action, applied, s.state()));
    } catch (SQLException e) {
      throw new MillraceException(
          "could not " + action + " backfill " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * True once the backfill has succeeded (its data is all there). Unknown names are not finished.
   */
  public boolean isFinished(String name) {
    if (succeeded.contains(name)) {
      return true;
    }
    boolean done = get(name).map(s -> s.state() == BackfillState.SUCCEEDED).orElse(false);
    if (done) {
      succeeded.add(name); // succeeded is final: no transition leaves it
    }
    return done;
  }

  /**
   * Waits until the backfill has succeeded; false when {@code timeout} passes first. Throws when it
   * ends any other way (failed or cancelled), with its last error, since waiting longer is
   * pointless.
   */
  public boolean awaitFinished(String name, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<BackfillStatus> s = get(name);
      if (s.isPresent()) {
        BackfillState state = s.get().state();
        if (state == BackfillState.SUCCEEDED) {
          succeeded.add(name);
          return true;
        }
        if (state == BackfillState.FAILED || state == BackfillState.CANCELLED) {
          throw new MillraceException(
              "backfill "
                  + name
                  + " is "
                  + state.dbName()
                  + (s.get().lastError() == null ? "" : ": " + s.get().lastError()));
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      Thread.sleep(Math.min(200, Math.max(1, left / 1_000_000)));
    }
  }

  /** The readiness check: not ready while any blocking backfill of this node has not succeeded. */
  Readiness.Check readinessCheck() {
    return () -> {
      List<String> waiting = blocking.stream().filter(n -> !succeeded.contains(n)).toList();
      if (waiting.isEmpty()) {
        return Readiness.Status.ready("backfills", "blocking backfills finished");
      }
      List<String> pending = new ArrayList<>();
      Map<String, Object> details = new LinkedHashMap<>();
      for (BackfillStatus s : list()) {
        if (!waiting.contains(s.name())) {
          continue;
        }
        if (s.state() == BackfillState.SUCCEEDED) {
          succeeded.add(s.name());
          continue;
        }
        pending.add(s.name() + " " + describe(s));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("state", s.state().dbName());
        d.put("rowsProcessed", s.rowsProcessed());
        d.put("rowsTotal", s.rowsTotal());
        d.put("percent", s.percent());
        // The mirrored ETA is the last running estimate: meaningless while paused or waiting.
        d.put("etaSeconds", s.state() == BackfillState.RUNNING ? s.etaSeconds() : null);
        d.put("lastError", s.lastError());
        details.put(s.name(), d);
      }
      for (String n : waiting) {
        if (!succeeded.contains(n) && !details.containsKey(n)) {
          pending.add(n + " not registered yet");
          details.put(n, Map.of("state", "unregistered"));
        }
      }
      if (pending.isEmpty()) {
        return Readiness.Status.ready("backfills", "blocking backfills finished");
      }
      return Readiness.Status.notReady(
          "backfills", "waiting for blocking backfills: " + String.join("; ", pending), details);
    };
  }

  private static String describe(BackfillStatus s) {
    StringBuilder sb = new StringBuilder(s.state().dbName());
    if (s.percent() != null) {
      sb.append(
          String.format(" %.1f%% (%d of ~%d rows)", s.percent(), s.rowsProcessed(), s.rowsTotal()));
    } else if (s.state() == BackfillState.RUNNING) {
      sb.append(String.format(" (%d rows of unknown)", s.rowsProcessed()));
    }
    if (s.state() == BackfillState.RUNNING) {
      sb.append(
          s.etaSeconds() == null ? ", ETA unknown" : String.format(", ETA %.0f s", s.etaSeconds()));
    }
    if (s.lastError() != null && s.state() == BackfillState.FAILED) {
      sb.append(": ").append(s.lastError());
    }
    return sb.toString();
  }
}
