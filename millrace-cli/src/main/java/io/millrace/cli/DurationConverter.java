package io.millrace.cli;

import io.millrace.base.Storable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 such as {@code
 * PT10S}.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    Duration parsed = parse(value);
    // Bounded like every duration Millrace stores (0 to 100 years), so an overflowing --delay is
    // bad input (exit 2) rather than an arithmetic failure later.
    if (parsed.isNegative() || parsed.compareTo(Storable.MAX_DURATION) > 0) {
      throw new TypeConversionException(
          "'"
              + Storable.shown(value)
              + "' must be between 0 and "
              + Storable.MAX_DURATION.toDays()
              + " days");
    }
    return parsed;
  }

  private static Duration parse(String value) {
    Matcher m = SHORT.matcher(value.trim());
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(value.trim());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new TypeConversionException(
          "'"
              + Storable.shown(value)
              + "' is not a duration; use for example 500ms, 10s, 5m, 2h, 1d");
    }
  }
}
