/**
 * The nodes of one installation: the node registry, leader election on an advisory lock, and the
 * maintenance loop the leader runs.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.cluster;

import org.jspecify.annotations.NullMarked;
