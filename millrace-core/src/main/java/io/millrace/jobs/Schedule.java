package io.millrace.jobs;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * When a periodic job fires: a cron expression (5 fields, or 6 with seconds first), evaluated in
 * UTC, or a fixed interval. Stored as text ({@code cron:...} or {@code every:PT...}) so the leader
 * can evaluate a schedule it reads back from the database.
 */
public sealed interface Schedule {
  /** The first tick strictly after {@code after}. */
  Instant next(Instant after);

  /** The stored form. */
  String spec();

  static Schedule cron(String expression) {
    return new CronSchedule(expression);
  }

  static Schedule every(Duration interval) {
    return new Every(interval);
  }

  static Schedule parse(String spec) {
    if (spec == null) {
      throw new ValidationException("schedule", "must not be null");
    }
    if (spec.startsWith("cron:")) {
      return cron(spec.substring(5));
    }
    if (spec.startsWith("every:")) {
      try {
        return every(Duration.parse(spec.substring(6)));
      } catch (DateTimeParseException e) {
        throw new ValidationException(
            "schedule", "'" + Storable.shown(spec) + "' has an invalid interval");
      }
    }
    throw new ValidationException(
        "schedule", "'" + Storable.shown(spec) + "' is neither cron:... nor every:...");
  }

  /** A cron expression in UTC. */
  final class CronSchedule implements Schedule {
    private static final CronParser UNIX =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser WITH_SECONDS =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

    private final String expression;
    private final ExecutionTime execution;

    CronSchedule(String expression) {
      if (expression == null || expression.isBlank()) {
        throw new ValidationException("cron", "expression must not be empty");
      }
      Storable.text("cron", expression);
      String trimmed = expression.trim().replaceAll("\\s+", " ");
      int fields = trimmed.split(" ").length;
      Cron cron;
      try {
        cron =
            switch (fields) {
              case 5 -> UNIX.parse(trimmed);
              case 6 -> WITH_SECONDS.parse(trimmed);
              default ->
                  throw new IllegalArgumentException(
                      "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got "
                          + fields);
            };
        cron.validate();
      } catch (IllegalArgumentException e) {
        throw new ValidationException(
            "cron",
            "'"
                + Storable.shown(expression)
                + "' is not a valid cron expression: "
                + e.getMessage());
      }
      this.expression = trimmed;
      this.execution = ExecutionTime.forCron(cron);
    }

    @Override
    public Instant next(Instant after) {
      return execution
          .nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
          .map(ZonedDateTime::toInstant)
          .orElseThrow(
              () ->
                  new ValidationException(
                      "cron", "'" + Storable.shown(expression) + "' never fires after " + after));
    }

    @Override
    public String spec() {
      return "cron:" + expression;
    }
  }

  /** Every {@code interval}, counted from the previous tick. */
  record Every(Duration interval) implements Schedule {
    public Every {
      if (interval == null || interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new ValidationException("schedule", "an interval must be at least 1 second");
      }
      // At most 100 years, so that a tick plus the interval stays a storable instant.
      Storable.duration("schedule", interval);
    }

    @Override
    public Instant next(Instant after) {
      return after.plus(interval);
    }

    @Override
    public String spec() {
      return "every:" + interval;
    }
  }
}
