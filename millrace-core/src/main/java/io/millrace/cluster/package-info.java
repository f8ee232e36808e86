/**
 * The nodes of one installation as operators see them: who is registered, what each works, who
 * leads, and the maintenance failures this node saw.
 *
 * <p>Every type here is non-null unless marked {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.millrace.cluster;

import org.jspecify.annotations.NullMarked;
