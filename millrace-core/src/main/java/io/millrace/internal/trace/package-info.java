/**
 * Not API. The trace context a job carries from its enqueue to its attempts (W3C Trace Context).
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.internal.trace;

import org.jspecify.annotations.NullMarked;
