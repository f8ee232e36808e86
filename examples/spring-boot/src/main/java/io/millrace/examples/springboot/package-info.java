/** A sign-up service that writes a row and enqueues its welcome email in one transaction. */
@NullMarked
package io.millrace.examples.springboot;

import org.jspecify.annotations.NullMarked;
