/**
 * Not API. How one node is wired: the {@link io.millrace.internal.cluster.Component} lifecycle
 * every capability implements, the node's membership (registration, heartbeat, leader election) and
 * the leader's maintenance loop.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.internal.cluster;

import org.jspecify.annotations.NullMarked;
