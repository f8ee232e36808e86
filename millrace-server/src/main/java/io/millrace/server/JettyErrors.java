package io.millrace.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Errors that Jetty answers itself, before any route runs (a path with an encoded NUL, a malformed
 * chunk, headers too large), in the API's one error shape instead of Jetty's HTML page. A 5xx says
 * only {@code internal error}: whatever Jetty would have shown stays out of the answer.
 */
final class JettyErrors extends ErrorHandler {
  /** Every method gets the JSON error (Jetty writes a body only for GET, POST and HEAD). */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      @Nullable String message,
      @Nullable Throwable cause,
      Callback callback)
      throws IOException {
    byte[] body = json(code, message);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  @Override
  public ByteBuffer badMessageError(
      int status, @Nullable String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
    return ByteBuffer.wrap(json(status, reason));
  }

  private static byte[] json(int code, @Nullable String message) {
    String text =
        code >= 500
            ? "internal error"
            : message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
    try {
      return ApiJson.MAPPER.writeValueAsBytes(ErrorMapping.error(text, field(code)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("an error answer does not serialise", e);
    }
  }

  /** What part of the request Jetty refused; its refusals come before any body is parsed. */
  private static @Nullable String field(int code) {
    return switch (code) {
      case HttpStatus.PAYLOAD_TOO_LARGE_413 -> "body";
      case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431 -> "headers";
      default -> code >= 500 ? null : "path";
    };
  }
}
