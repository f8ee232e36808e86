package io.millrace.server;

import io.millrace.base.ValidationException;

/** Parses request strings into values, naming the field on failure (answered with 400). */
final class BadInput {
  private BadInput() {}

  static long parseLong(String field, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new ValidationException(field, "'" + value + "' is not a whole number");
    }
  }

  static int parseInt(String field, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new ValidationException(field, "'" + value + "' is not a whole number in int range");
    }
  }
}
