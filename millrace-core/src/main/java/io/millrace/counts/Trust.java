package io.millrace.counts;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The counters' trust marker as last written.
 *
 * @param trusted whether exact reads use the counters
 * @param markedAt when the marker was last set or cleared (null if never)
 * @param untrustedBecause why it was last cleared, null while trusted: drift found by verify, a
 *     DELETE, TRUNCATE, UPDATE or INSERT of history outside Millrace, a recreated control row
 */
public record Trust(
    boolean trusted, @Nullable Instant markedAt, @Nullable String untrustedBecause) {}
