/**
 * The entry point: {@link io.millrace.Millrace}, built with {@link io.millrace.MillraceBuilder},
 * which composes the capabilities over one {@link javax.sql.DataSource}.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace;

import org.jspecify.annotations.NullMarked;
