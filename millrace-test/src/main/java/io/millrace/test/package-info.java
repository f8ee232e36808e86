/**
 * Millrace's test kit for applications: {@link io.millrace.test.MillraceTest} gives a JUnit 5 test
 * class an embedded PostgreSQL with a fresh, migrated schema, and {@link
 * io.millrace.test.MillraceTestKit} runs a job's handler, asserts enqueued jobs, drains queues and
 * fires periodic jobs.
 */
@NullMarked
package io.millrace.test;

import org.jspecify.annotations.NullMarked;
