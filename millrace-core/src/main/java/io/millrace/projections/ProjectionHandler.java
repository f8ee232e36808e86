package io.millrace.projections;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Applies events to a read model. It runs inside the transaction that also moves the projection's
 * checkpoint: write through {@link ProjectionContext#connection()} (your own tables) or {@link
 * ProjectionContext#documents()} (the built-in document store), never through another connection,
 * or a crash could keep the write and lose the checkpoint (or the reverse).
 *
 * <p>An exception fails the projection with the event named; nothing of the page is kept.
 */
@FunctionalInterface
public interface ProjectionHandler {
  /** Applies one event. Events come in log order, each exactly once per build of the projection. */
  void apply(Event event, ProjectionContext context) throws Exception;

  /** Applies a page (default: one event at a time); override to batch your own writes. */
  default void applyPage(List<Event> page, ProjectionContext context) throws Exception {
    for (Event event : page) {
      context.current(event);
      apply(event, context);
    }
  }

  /**
   * Empties the projection's own tables before a replay from the first event (a new fingerprint or
   * a rebuild), in the same transaction as the checkpoint's reset. Documents in the built-in store
   * are removed by Millrace. Default: nothing (a projection that writes only documents).
   */
  default void reset(Connection connection) throws SQLException {}
}
