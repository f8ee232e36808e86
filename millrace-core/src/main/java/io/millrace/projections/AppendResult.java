package io.millrace.projections;

import java.util.List;

/**
 * What an append wrote: the stream's version after it (pass it as the next expected version) and
 * the positions the events got, in the order they were given.
 */
public record AppendResult(String stream, long version, List<Long> positions) {}
