package io.millrace.base;

/** Base of every exception Millrace throws on purpose; database failures keep their cause. */
public class MillraceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MillraceException(String message) {
    super(message);
  }

  public MillraceException(String message, Throwable cause) {
    super(message, cause);
  }
}
