package io.millrace.projections;

import java.sql.Connection;
import org.jspecify.annotations.Nullable;

/**
 * What a handler writes through while it applies a page: the page transaction's connection and the
 * document store bound to it. Valid only during the call.
 */
public final class ProjectionContext {
  private final String projection;
  private final Connection connection;
  private final Documents documents;
  private @Nullable Event current;

  ProjectionContext(String projection, Connection connection, Documents documents) {
    this.projection = projection;
    this.connection = connection;
    this.documents = documents;
  }

  public String projection() {
    return projection;
  }

  /** The page transaction; do not commit, roll back or change auto-commit on it. */
  public Connection connection() {
    return connection;
  }

  /** The projection's JSON documents, written in the page transaction. */
  public Documents documents() {
    return documents;
  }

  void current(Event event) {
    this.current = event;
  }

  /** The event being applied (for error messages), or null before the first. */
  @Nullable Event current() {
    return current;
  }
}
