package io.millrace.examples.springboot;

/** The welcome email job's args. */
public record WelcomeEmail(String email) {}
