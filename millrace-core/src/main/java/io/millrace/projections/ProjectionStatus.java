package io.millrace.projections;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A projection as the API, the CLI and readiness show it.
 *
 * @param status {@code catching_up}, {@code ready} or {@code failed}: whether its read model may be
 *     queried (shared by every node)
 * @param node this node's part: {@code running} (it holds the lease), {@code standby} (another node
 *     does), {@code starting} (not yet tried to take it), {@code not_registered} (this node has no
 *     such projection), {@code stopped}
 * @param caughtUpHere whether this node runs it and has caught up since it took it over
 * @param lag committed events after the checkpoint (counted up to 10 million)
 * @param eventsPerSecond recent apply rate on this node; null when it does not run it
 * @param etaSeconds lag divided by that rate; null when unknown
 * @param required whether this node's {@code /ready} waits for it
 */
public record ProjectionStatus(
    String name,
    String version,
    String status,
    String node,
    boolean caughtUpHere,
    boolean required,
    String checkpoint,
    long eventsApplied,
    long lag,
    @Nullable Double eventsPerSecond,
    @Nullable Long etaSeconds,
    @Nullable String error,
    @Nullable Instant failedAt,
    boolean rebuildRequested,
    @Nullable Instant catchUpStartedAt,
    @Nullable Instant readyAt,
    @Nullable String runningOn,
    @Nullable Instant leaseUntil) {}
