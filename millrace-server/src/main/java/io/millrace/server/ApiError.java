package io.millrace.server;

import org.jspecify.annotations.Nullable;

/**
 * The one error shape of the HTTP API: {@code {"error": "...", "field": "..."}}. {@code field}
 * names the offending input (a body property, query parameter or path segment) or is null.
 */
record ApiError(String error, @Nullable String field) {}
