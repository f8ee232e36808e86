package io.millrace.server;

/**
 * The one error shape of the HTTP API: {@code {"error": "...", "field": "..."}}. {@code field}
 * names the offending input (a body property, query parameter or path segment) or is null.
 */
record ApiError(String error, String field) {}
