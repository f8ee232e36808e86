/**
 * The {@code millrace} command: serve (with an embedded PostgreSQL by default), inspect and operate
 * an installation.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.cli;

import org.jspecify.annotations.NullMarked;
