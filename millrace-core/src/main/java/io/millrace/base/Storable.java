package io.millrace.base;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one rule for values that cross into Millrace: a value is checked against what PostgreSQL can
 * store before it reaches SQL, so the database never has to reject it mid-write.
 *
 * <ul>
 *   <li><b>Text</b> ({@code text}, {@code jsonb} strings and keys) cannot hold U+0000, and a lone
 *       UTF-16 surrogate has no UTF-8 form (the driver would silently write {@code ?}).
 *   <li><b>Instants</b> are accepted from year 1 to year 9999 (UTC). PostgreSQL's own range is
 *       wider, but the driver's text form of years past 9999 and before year 1 (BC) does not
 *       round-trip, and no schedule needs them.
 *   <li><b>Durations</b> (delays, timeouts, snoozes) are at most {@link #MAX_DURATION}, so {@code
 *       now() + duration} can neither overflow a {@code long} nor leave the instant range.
 *   <li><b>JSON</b> numbers must be finite: Jackson reads {@code 1e400} as infinity and would write
 *       the invalid token {@code Infinity}. A number's plain decimal form (how {@code jsonb} hands
 *       it back) is at most {@value #MAX_JSON_NUMBER_DIGITS} digits and a document is at most
 *       {@value #MAX_JSON_DEPTH} levels deep: Jackson's own read limits, so that what is stored can
 *       be read again.
 * </ul>
 *
 * Inputs get a {@link ValidationException} naming the field. Texts that a handler hands back (error
 * messages, stack traces, reasons) are not rejected but {@linkplain #escape escaped}, so the real
 * error is never lost.
 */
public final class Storable {
  /** The earliest instant Millrace stores: 0001-01-01T00:00:00Z. */
  public static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  /** The latest instant Millrace stores: 9999-12-31T23:59:59.999999Z. */
  public static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999Z");

  /** The longest delay, timeout or snooze: 100 years of 365 days. */
  public static final Duration MAX_DURATION = Duration.ofDays(36_500);

  /** The most digits of a JSON number in plain decimal form (Jackson's read limit). */
  public static final int MAX_JSON_NUMBER_DIGITS = 1000;

  /** The deepest nesting of a JSON document (Jackson's read limit). */
  public static final int MAX_JSON_DEPTH = 1000;

  private static final BigDecimal LARGEST_DOUBLE = new BigDecimal(Double.MAX_VALUE);

  private Storable() {}

  /**
   * Why {@code value} cannot be stored as PostgreSQL text, or {@code null} when it can. The reason
   * names the offending character and its index.
   */
  public static @Nullable String textProblem(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\u0000') {
        return "contains U+0000 (NUL) at index " + i + ", which PostgreSQL text cannot store";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        return "contains a lone UTF-16 surrogate at index " + i + ", which has no UTF-8 form";
      }
      if (Character.isLowSurrogate(c)) {
        return "contains a lone UTF-16 surrogate at index " + i + ", which has no UTF-8 form";
      }
    }
    return null;
  }

  /** Returns {@code value} (which may be null) if PostgreSQL text can hold it. */
  @Contract("_, !null -> !null")
  public static @Nullable String text(String field, @Nullable String value) {
    if (value != null) {
      String problem = textProblem(value);
      if (problem != null) {
        throw new ValidationException(field, problem);
      }
    }
    return value;
  }

  /** Returns {@code value} (which may be null) if it lies within the stored instant range. */
  @Contract("_, !null -> !null")
  public static @Nullable Instant instant(String field, @Nullable Instant value) {
    if (value != null && (value.isBefore(MIN_INSTANT) || value.isAfter(MAX_INSTANT))) {
      throw new ValidationException(
          field, "must lie between " + MIN_INSTANT + " and " + MAX_INSTANT + ", got " + value);
    }
    return value;
  }

  /** Returns {@code value} (which may be null) if it is zero or positive and at most 100 years. */
  @Contract("_, !null -> !null")
  public static @Nullable Duration duration(String field, @Nullable Duration value) {
    if (value != null && (value.isNegative() || value.compareTo(MAX_DURATION) > 0)) {
      throw new ValidationException(
          field, "must be between 0 and " + MAX_DURATION.toDays() + " days, got " + value);
    }
    return value;
  }

  /** Returns {@code seconds} if it is between 0 and 100 years' worth of seconds. */
  public static long seconds(String field, long seconds) {
    if (seconds < 0 || seconds > MAX_DURATION.toSeconds()) {
      throw new ValidationException(
          field, "must be between 0 and " + MAX_DURATION.toSeconds() + " seconds, got " + seconds);
    }
    return seconds;
  }

  /**
   * Returns {@code node} (which may be null) if {@code jsonb} can store every string, key and
   * number in it; otherwise names the path to the first offender, e.g. {@code args.items[2].name}.
   */
  @Contract("_, !null -> !null")
  public static @Nullable JsonNode json(String field, @Nullable JsonNode node) {
    if (node != null) {
      String problem = jsonProblem(node, field, 1);
      if (problem != null) {
        throw new ValidationException(field, problem);
      }
    }
    return node;
  }

  private static @Nullable String jsonProblem(JsonNode node, String path, int depth) {
    if (node.isContainerNode() && depth > MAX_JSON_DEPTH) {
      return "value at " + path + " is nested deeper than " + MAX_JSON_DEPTH + " levels";
    }
    if (node.isTextual()) {
      String problem = textProblem(node.textValue());
      return problem == null ? null : "string at " + path + " " + problem;
    }
    if (node.isNumber()) {
      if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
        return "number at " + path + " is not finite";
      }
      if (node.isBigDecimal() && node.decimalValue().abs().compareTo(LARGEST_DOUBLE) > 0) {
        // Finite as a double, as the parser would have read it: readers that take decimals as
        // doubles (handlers' Map args, the dashboard) would otherwise see infinity.
        return "number at " + path + " is not finite as a double (beyond ±1.8e308)";
      }
      if (node.isBigDecimal() || node.isBigInteger()) {
        BigDecimal n = node.decimalValue();
        // Digits before the point plus digits after it, as jsonb writes it back (never 1E+N).
        long digits = Math.max(n.precision() - (long) n.scale(), 1) + Math.max(n.scale(), 0);
        if (digits > MAX_JSON_NUMBER_DIGITS) {
          return "number at "
              + path
              + " has "
              + digits
              + " digits in plain form, over "
              + MAX_JSON_NUMBER_DIGITS;
        }
      }
      return null;
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String problem = jsonProblem(node.get(i), path + "[" + i + "]", depth + 1);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> entry = fields.next();
        String keyProblem = textProblem(entry.getKey());
        if (keyProblem != null) {
          return "key in " + path + " " + keyProblem;
        }
        String problem = jsonProblem(entry.getValue(), path + "." + entry.getKey(), depth + 1);
        if (problem != null) {
          return problem;
        }
      }
    }
    return null;
  }

  /**
   * A rejected value as an error message may quote it: escaped (so the message itself can be
   * recorded, printed and sent) and cut to 64 characters (so a megabyte of junk is not echoed).
   */
  @Contract("!null -> !null")
  public static @Nullable String shown(@Nullable String value) {
    if (value == null) {
      return null;
    }
    return escape(value.length() > 64 ? value.substring(0, 64) + "..." : value);
  }

  /**
   * {@code text} made storable without losing what it says: U+0000 becomes the six characters
   * {@code \u0000} and a lone surrogate becomes U+FFFD. Use for texts Millrace records rather than
   * accepts: a handler's error message, stack trace or reason.
   */
  @Contract("!null -> !null")
  public static @Nullable String escape(@Nullable String text) {
    if (text == null || textProblem(text) == null) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        out.append("\\u0000");
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
