package io.millrace.base;

/**
 * Bad input, rejected at the boundary before anything was written. {@link #field()} names the
 * offending field (for example {@code args}, {@code maxAttempts}, {@code schema}) so an API or CLI
 * can point at it.
 */
public final class ValidationException extends MillraceException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public ValidationException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
