/**
 * Workflows: jobs that depend on jobs, advanced by a crash-safe cascade and finished by a
 * reconciler.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.workflows;

import org.jspecify.annotations.NullMarked;
