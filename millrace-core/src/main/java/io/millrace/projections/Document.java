package io.millrace.projections;

import com.fasterxml.jackson.databind.JsonNode;

/** A document of a projection's built-in store. */
public record Document(String id, JsonNode doc) {}
