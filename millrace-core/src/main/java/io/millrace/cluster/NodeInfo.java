package io.millrace.cluster;

import java.time.Instant;
import java.util.List;

/** A node as the registry sees it. */
public record NodeInfo(
    String id,
    String host,
    long pid,
    List<String> queues,
    List<String> kinds,
    Instant startedAt,
    Instant heartbeatAt,
    boolean leader) {}
