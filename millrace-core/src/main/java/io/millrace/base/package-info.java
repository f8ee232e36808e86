/**
 * The leaf every package of the core may use, and which uses none of them: Millrace's exceptions
 * ({@link io.millrace.base.MillraceException}, {@link io.millrace.base.ValidationException}) and
 * the one rule for values that cross into Millrace ({@link io.millrace.base.Storable}).
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.base;

import org.jspecify.annotations.NullMarked;
