package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.millrace.base.Contract;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How failures become answers. Bad input is 4xx naming the field; anything else is a fault of the
 * server and answers 500 with {@code internal error} and a correlation id only: driver and
 * PostgreSQL messages, SQL and stack traces go to the log under that id, never to the client.
 */
final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(MillraceServer.class);

  /** Error texts echo the offending input; a multi-megabyte value is not worth echoing whole. */
  static final int MAX_MESSAGE = 500;

  private ErrorMapping() {}

  static void register(RoutesConfig routes) {
    routes.exception(
        ValidationException.class,
        (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(error(e.getMessage(), e.field())));
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> {
          if (e.getStatus() == HttpStatus.UNAUTHORIZED.getCode()) {
            ctx.header("WWW-Authenticate", "Bearer");
          }
          if (e.getStatus() == HttpStatus.CONTENT_TOO_LARGE.getCode()) {
            // The rest of the body is never read: the connection cannot carry another request.
            ctx.header("Connection", "close");
          }
          ctx.status(e.getStatus()).json(error(e.getMessage(), e.getDetails().get("field")));
        });
    routes.exception(Exception.class, ErrorMapping::internal);
  }

  private static void internal(Exception e, Context ctx) {
    String id = UUID.randomUUID().toString();
    log.error("{} {} failed; correlation id {}", ctx.method(), ctx.path(), id, e);
    ctx.status(HttpStatus.INTERNAL_SERVER_ERROR)
        .json(new ApiError("internal error; correlation id " + id, null));
  }

  /**
   * An error answer whose texts are safe to write: NUL and lone surrogates from the input are
   * escaped (a lone surrogate cannot even be encoded as UTF-8), and long texts are cut.
   */
  static ApiError error(@Nullable String message, @Nullable String field) {
    // Millrace's own exceptions always carry a message; a foreign one without is still refused.
    String shown = message == null ? "the request was refused" : message;
    return new ApiError(cut(Storable.escape(shown)), cut(Storable.escape(field)));
  }

  @Contract("!null -> !null")
  private static @Nullable String cut(@Nullable String text) {
    if (text == null || text.length() <= MAX_MESSAGE) {
      return text;
    }
    int end = MAX_MESSAGE;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "… (" + text.length() + " characters)";
  }
}
