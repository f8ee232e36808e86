package io.millrace.workflows;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a node advances workflows. Every node that has started dispatches completion events it hears
 * about (LISTEN); the leader also runs the reconciler.
 *
 * @param staleAfter how old an undispatched event must be before the reconciler takes it; default 1
 *     s. Shorter finishes interrupted cascades sooner but races live dispatchers more often
 *     (harmless: the loser's claim matches nothing).
 * @param reconcileBatch the most events one reconciler tick takes; default 1,000
 * @param namespace when set, this node's reconciler serves only workflows in this namespace
 * @param tag when set, this node's reconciler serves only workflows with this tag
 * @param dispatch whether this node LISTENs for completion events and dispatches them; default
 *     true. Off, the cascade still advances through other nodes or, slower, the reconciler.
 * @param retention how long a finished workflow (members, edges, events) is kept after its last
 *     member finished; default 7 days. The member jobs' own history follows job retention.
 */
public record WorkflowOptions(
    Duration staleAfter,
    int reconcileBatch,
    @Nullable String namespace,
    @Nullable String tag,
    boolean dispatch,
    Duration retention) {
  public static final WorkflowOptions DEFAULT =
      new WorkflowOptions(Duration.ofSeconds(1), 1_000, null, null, true, Duration.ofDays(7));

  public WorkflowOptions {
    if (staleAfter == null || staleAfter.isNegative()) {
      throw new ValidationException("staleAfter", "must be zero or positive");
    }
    Storable.duration("staleAfter", staleAfter);
    if (reconcileBatch < 1 || reconcileBatch > 100_000) {
      throw new ValidationException(
          "reconcileBatch", "must be between 1 and 100000, got " + reconcileBatch);
    }
    if (retention == null || retention.isNegative()) {
      throw new ValidationException("retention", "must be zero or positive");
    }
    Storable.duration("retention", retention);
    if (namespace != null) {
      JobRequest.requireName("namespace", namespace);
    }
    if (tag != null) {
      JobRequest.requireName("tag", tag);
    }
  }

  public WorkflowOptions staleAfter(Duration staleAfter) {
    return new WorkflowOptions(staleAfter, reconcileBatch, namespace, tag, dispatch, retention);
  }

  public WorkflowOptions reconcileBatch(int reconcileBatch) {
    return new WorkflowOptions(staleAfter, reconcileBatch, namespace, tag, dispatch, retention);
  }

  public WorkflowOptions only(@Nullable String namespace, @Nullable String tag) {
    return new WorkflowOptions(staleAfter, reconcileBatch, namespace, tag, dispatch, retention);
  }

  public WorkflowOptions retention(Duration retention) {
    return new WorkflowOptions(staleAfter, reconcileBatch, namespace, tag, dispatch, retention);
  }

  public WorkflowOptions dispatch(boolean dispatch) {
    return new WorkflowOptions(staleAfter, reconcileBatch, namespace, tag, dispatch, retention);
  }
}
