package io.millrace.projections;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A projection's definition: a name, a version fingerprint, a handler, and how it is run.
 *
 * <pre>{@code
 * Projection totals = Projection.named("order-totals")
 *     .version("2")                       // change it when the handler's output changes
 *     .required()                         // /ready waits for it
 *     .handler((event, ctx) -> ctx.documents().put(event.stream(), ...))
 *     .build();
 * }</pre>
 *
 * <p>When a node starts with a fingerprint other than the stored one, that projection alone is
 * reset and replayed from the first event; the others resume from their checkpoints.
 */
public final class Projection {
  /** Events per page (and per transaction) when not set. */
  public static final int DEFAULT_PAGE_SIZE = 1_000;

  /** How long a catch-up may take before the projection is failed, when not set. */
  public static final Duration DEFAULT_REBUILD_TIMEOUT = Duration.ofMinutes(5);

  /** How long committed events may wait behind the read horizon before it is stale, if not set. */
  public static final Duration DEFAULT_STALENESS_BUDGET = Duration.ofSeconds(30);

  private final String name;
  private final String version;
  private final ProjectionHandler handler;
  private final boolean required;
  private final int pageSize;
  private final Duration rebuildTimeout;
  private final Duration stalenessBudget;
  private final FaultPoints faults;
  private final boolean blueGreen;

  /**
   * {@code version} and {@code handler}: the builder's, once {@link Builder#build} checked them.
   */
  private Projection(Builder b, String version, ProjectionHandler handler) {
    this.blueGreen = b.blueGreen;
    this.name = b.name;
    this.version = version;
    this.handler = handler;
    this.required = b.required;
    this.pageSize = b.pageSize;
    this.rebuildTimeout = b.rebuildTimeout;
    this.stalenessBudget = b.stalenessBudget;
    this.faults = b.faults;
  }

  public static Builder named(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The version fingerprint. */
  public String version() {
    return version;
  }

  public ProjectionHandler handler() {
    return handler;
  }

  public boolean required() {
    return required;
  }

  public int pageSize() {
    return pageSize;
  }

  public Duration rebuildTimeout() {
    return rebuildTimeout;
  }

  public Duration stalenessBudget() {
    return stalenessBudget;
  }

  FaultPoints faults() {
    return faults;
  }

  public boolean blueGreen() {
    return blueGreen;
  }

  /** Builds a {@link Projection}; name, version and handler are required. */
  public static final class Builder {
    private final String name;
    private @Nullable String version;
    private @Nullable ProjectionHandler handler;
    private boolean required;
    private int pageSize = DEFAULT_PAGE_SIZE;
    private Duration rebuildTimeout = DEFAULT_REBUILD_TIMEOUT;
    private Duration stalenessBudget = DEFAULT_STALENESS_BUDGET;
    private FaultPoints faults = FaultPoints.NONE;
    private boolean blueGreen;

    private Builder(String name) {
      this.name = JobRequest.requireName("projection", name);
    }

    /**
     * The version fingerprint (1-128 characters): a number you bump, or a hash of the handler's
     * logic. A node that starts with a different fingerprint than the stored one resets and replays
     * this projection.
     */
    public Builder version(String version) {
      if (version == null || version.isBlank() || version.length() > 128) {
        throw new ValidationException("version", "must be 1 to 128 characters");
      }
      this.version = Storable.text("version", version);
      return this;
    }

    public Builder handler(ProjectionHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Makes {@code /ready} answer 503 until this projection has caught up on this node; default not
     * required (its queries still answer 503 while it is not ready; see the query guard).
     */
    public Builder required() {
      this.required = true;
      return this;
    }

    /** Events per page, each page one transaction with its checkpoint; default 1,000 (1-10,000). */
    public Builder pageSize(int pageSize) {
      if (pageSize < 1 || pageSize > 10_000) {
        throw new ValidationException("pageSize", "must be between 1 and 10000, got " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /**
     * How long catching up may take before the projection is marked failed (then {@code retry} or
     * {@code rebuild}); default 5 minutes.
     */
    public Builder rebuildTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new ValidationException("rebuildTimeout", "must be positive");
      }
      this.rebuildTimeout = Storable.duration("rebuildTimeout", timeout);
      return this;
    }

    /**
     * How long committed events may wait unread behind the read horizon (held back by an open write
     * transaction in this database) before this ready projection counts as stale: then its queries
     * answer 503 with {@code X-Query-Status: stale} and, if required, {@code /ready} answers 503
     * naming the holding transaction and the age; default 30 seconds. The node running the
     * projection records the budget with the hold, so every node agrees on when it turned stale.
     */
    public Builder stalenessBudget(Duration budget) {
      if (budget == null || budget.isNegative() || budget.isZero()) {
        throw new ValidationException("stalenessBudget", "must be positive");
      }
      this.stalenessBudget = budget;
      return this;
    }

    /**
     * On a new fingerprint, build the new version side by side (under the document key {@code
     * <name>@<version>}) while queries keep reading the old version's documents, and swap them in
     * one transaction once the new one has caught up. Default off: a new fingerprint rebuilds in
     * place and queries answer 503 until it has caught up. For projections that keep their read
     * model in the document store: a handler writing its own tables must key them by {@link
     * ProjectionContext#projection()} itself. An explicit {@code rebuild} still rebuilds in place.
     */
    public Builder blueGreen() {
      this.blueGreen = true;
      return this;
    }

    /** Test-only hooks inside the runner's page loop. */
    Builder faults(FaultPoints faults) {
      this.faults = Objects.requireNonNull(faults, "faults");
      return this;
    }

    public Projection build() {
      if (version == null) {
        throw new ValidationException("version", "is required for projection " + name);
      }
      if (handler == null) {
        throw new ValidationException("handler", "is required for projection " + name);
      }
      return new Projection(this, version, handler);
    }
  }
}
