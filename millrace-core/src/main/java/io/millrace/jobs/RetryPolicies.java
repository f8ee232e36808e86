package io.millrace.jobs;

import java.util.Map;

/**
 * The retry policies of one node: one per kind that has its own, and the default for the rest. See
 * {@link RetryPolicy} for which node's policy decides what.
 */
final class RetryPolicies {
  private final RetryPolicy fallback;
  private final Map<String, RetryPolicy> byKind;

  RetryPolicies(RetryPolicy fallback, Map<String, RetryPolicy> byKind) {
    this.fallback = fallback;
    this.byKind = Map.copyOf(byKind);
  }

  /** Only the default (for tests and tools that run no kind of their own). */
  static RetryPolicies of(RetryPolicy fallback) {
    return new RetryPolicies(fallback, Map.of());
  }

  RetryPolicy forKind(String kind) {
    return byKind.getOrDefault(kind, fallback);
  }

  /**
   * The max attempts a job is stored with: the request's own when it set one, otherwise its kind's
   * policy's, otherwise the default policy's.
   */
  int maxAttempts(JobRequest request) {
    return request.maxAttemptsSet() ? request.maxAttempts() : forKind(request.kind()).maxAttempts();
  }
}
