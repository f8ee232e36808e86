package io.millrace.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Contract;
import io.millrace.base.Jackson2Codec;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What a handler hands back, made fit for PostgreSQL before it reaches SQL. A value that reaches a
 * batched statement unchecked and fails there takes the whole batch down with it, so every check
 * happens here, per attempt.
 *
 * <p>Results are written by the node's {@link JsonCodec}, then checked ({@link Storable#json}, at
 * most {@link #MAX_RESULT_BYTES}) and refused with a reason; texts (error messages, stack traces,
 * reasons) are never refused but capped and {@linkplain Storable#escape escaped}, so the real error
 * is always recorded.
 */
final class HandedBack {
  /** The largest result recorded, as UTF-8 JSON: the default largest args document. */
  static final int MAX_RESULT_BYTES = 1024 * 1024;

  /** The longest error message or reason recorded, before escaping. */
  static final int MAX_MESSAGE_CHARS = 8_000;

  /** The longest stack trace recorded, before escaping. */
  static final int MAX_STACK_CHARS = 8_000;

  static final String TRUNCATED = "... (truncated)";

  private HandedBack() {}

  /** A handler's result as JSON text, or the reason it cannot be recorded. */
  sealed interface Result {}

  record Accepted(@Nullable String json) implements Result {}

  record Refused(String reason, @Nullable Throwable cause) implements Result {}

  static Result result(JsonCodec codec, @Nullable Object value) {
    if (value == null) {
      return new Accepted(null);
    }
    String json;
    try {
      if (value instanceof JsonNode || codec instanceof Jackson2Codec) {
        // Straight to a tree, no text in between: a JsonNode is one already (another library's
        // codec would take it for a bean), and the default codec's mapper builds one directly.
        JsonNode tree =
            value instanceof JsonNode node
                ? node
                : ((Jackson2Codec) codec).mapper().valueToTree(value);
        Storable.json("result", tree);
        json = Json.MAPPER.writeValueAsString(tree);
      } else {
        String written = codec.write(value);
        JsonNode tree;
        try {
          tree = Json.parse(written);
        } catch (JsonProcessingException e) {
          return new Refused(
              "the handler's result cannot be stored: the JSON codec wrote invalid JSON ("
                  + e.getOriginalMessage()
                  + ")",
              null);
        }
        Storable.json("result", tree);
        json = Json.MAPPER.writeValueAsString(tree);
      }
    } catch (ValidationException e) {
      return new Refused("the handler's result cannot be stored: " + e.getMessage(), null);
    } catch (StackOverflowError e) {
      // Serialising recurses once per level: a result nested this deep is refused like any other.
      return new Refused(
          "the handler's result cannot be stored: it nests too deeply to serialise", null);
    } catch (Exception e) {
      return new Refused(
          "the handler's result could not be serialised to JSON: " + e.getMessage(), e);
    }
    int bytes = json.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_RESULT_BYTES) {
      return new Refused(
          "the handler's result cannot be stored: it is "
              + bytes
              + " bytes of JSON, more than the "
              + MAX_RESULT_BYTES
              + " Millrace records",
          null);
    }
    return new Accepted(json);
  }

  /** A message or reason as it is recorded: at most {@link #MAX_MESSAGE_CHARS}, escaped. */
  static String message(String text) {
    return Storable.escape(cap(text, MAX_MESSAGE_CHARS, " " + TRUNCATED));
  }

  /** "ClassName: message" of a throwable, even one whose own getMessage misbehaves. */
  static String describe(Throwable t) {
    String message;
    try {
      message = t.getMessage();
    } catch (RuntimeException e) {
      message = "(its message could not be read: " + e.getClass().getName() + ")";
    }
    return message(t.getClass().getName() + (message == null ? "" : ": " + message));
  }

  /** A stack trace as it is recorded: at most {@link #MAX_STACK_CHARS}, escaped; null for null. */
  @Contract("!null -> !null")
  static @Nullable String stack(@Nullable Throwable t) {
    if (t == null) {
      return null;
    }
    StringWriter out = new StringWriter();
    try {
      t.printStackTrace(new PrintWriter(out));
    } catch (RuntimeException e) {
      out.append("\n\t... (the rest could not be printed: ").append(e.getClass().getName());
    }
    return Storable.escape(cap(out.toString(), MAX_STACK_CHARS, "\n\t" + TRUNCATED));
  }

  private static String cap(String text, int max, String marker) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--; // never cut a pair in two: half of it would be recorded as U+FFFD
    }
    return text.substring(0, end) + marker;
  }
}
