/**
 * Millrace's own tables: the schema name and the versioned, forward-only migrations.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.schema;

import org.jspecify.annotations.NullMarked;
