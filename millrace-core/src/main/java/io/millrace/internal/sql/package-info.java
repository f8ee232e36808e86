/**
 * Not API. The SQL plumbing every capability shares: named statements from resources, transactions,
 * instant conversions, SQL error classification.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.internal.sql;

import org.jspecify.annotations.NullMarked;
