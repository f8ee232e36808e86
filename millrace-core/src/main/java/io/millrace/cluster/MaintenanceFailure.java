package io.millrace.cluster;

import java.time.Instant;

/** The last error of a maintenance task on this node, for health and the API. */
public record MaintenanceFailure(String task, String message, Instant at) {}
