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
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * When a periodic job fires: a cron expression (5 fields, or 6 with seconds first), evaluated in an
 * IANA time zone (UTC unless {@link #inZone} says otherwise), or a fixed interval. Stored as text
 * ({@code cron:...} or {@code every:PT...}) with the zone beside it, so the leader can evaluate a
 * schedule it reads back from the database.
 *
 * <p>Across daylight-saving changes a cron schedule follows the wall clock of its zone: a time the
 * clocks skip (02:30 on a spring-forward night) fires once, shifted forward by the gap (03:30); a
 * time the clocks repeat (02:30 on a fall-back night) fires once, at its first occurrence. An
 * expression whose hour field is a wildcard ({@code *}, {@code *}{@code /2}) fires every hour of
 * real time instead: in a repeated hour it fires at both occurrences.
 */
public sealed interface Schedule {
  /** The first tick strictly after {@code after}. */
  Instant next(Instant after);

  /** The stored form. */
  String spec();

  /** The time zone a cron schedule is evaluated in; UTC by default (and for intervals). */
  default ZoneId zone() {
    return ZoneOffset.UTC;
  }

  /**
   * This schedule evaluated in {@code zone} (an IANA region such as {@code Europe/Berlin}, or an
   * offset). An interval counts real time and ignores the zone.
   */
  default Schedule inZone(ZoneId zone) {
    return this;
  }

  /** A cron expression evaluated in UTC. */
  static Schedule cron(String expression) {
    return new CronSchedule(expression, ZoneOffset.UTC);
  }

  /** A cron expression evaluated in {@code zone}. */
  static Schedule cron(String expression, ZoneId zone) {
    return new CronSchedule(expression, zone);
  }

  /** A stored schedule with its stored zone (see {@link #zoneOf}). */
  static Schedule parse(String spec, String zone) {
    return parse(spec).inZone(zoneOf("zone", zone));
  }

  /**
   * Reads a time zone: an IANA region ({@code Europe/Berlin}), {@code UTC} or an offset ({@code
   * +02:00}); anything else is a {@link ValidationException} naming {@code field}.
   */
  static ZoneId zoneOf(String field, String zone) {
    if (zone == null || zone.isBlank()) {
      throw new ValidationException(field, "must not be empty");
    }
    Storable.text(field, zone);
    try {
      ZoneId id = ZoneId.of(zone.trim());
      return id.getId().equals("Z") ? ZoneOffset.UTC : id;
    } catch (java.time.DateTimeException e) {
      throw new ValidationException(
          field, "'" + Storable.shown(zone) + "' is not a time zone (use an IANA name)");
    }
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

  /** A cron expression in a time zone. */
  final class CronSchedule implements Schedule {
    private static final CronParser UNIX =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser WITH_SECONDS =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

    private final String expression;
    private final ExecutionTime execution;
    private final ZoneId zone;
    // A wildcard hour field follows real time through a repeated hour; a fixed hour fires once.
    private final boolean everyHour;

    CronSchedule(String expression, ZoneId zone) {
      if (zone == null) {
        throw new ValidationException("zone", "must not be null");
      }
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
      this.zone = zone;
      this.everyHour = trimmed.split(" ")[fields == 5 ? 1 : 2].startsWith("*");
    }

    /**
     * Walks the wall-clock times the expression matches (evaluated on a zone-free clock, so the
     * library never sees a transition) and maps each to the instants it names in the zone: none in
     * a gap (then the time shifted forward by the gap), two in an overlap. The first such instant
     * after {@code after} wins. A walk starting inside an overlap at its earlier offset starts at
     * the same instant's wall time in the later offset, so the repeated hour is not skipped.
     */
    @Override
    public Instant next(Instant after) {
      ZoneRules rules = zone.getRules();
      LocalDateTime local = LocalDateTime.ofInstant(after, zone);
      List<ZoneOffset> valid = rules.getValidOffsets(local);
      if (valid.size() == 2) {
        // Inside a repeated hour: walk from the wall time of the later (smaller) offset.
        ZoneOffset later =
            valid.get(0).getTotalSeconds() < valid.get(1).getTotalSeconds()
                ? valid.get(0)
                : valid.get(1);
        local = after.atOffset(later).toLocalDateTime();
      }
      ZoneOffsetTransition last = rules.previousTransition(after.plusNanos(1));
      if (!everyHour
          && last != null
          && last.isGap()
          && after.isBefore(last.getInstant().plus(last.getDuration()))) {
        // Just after skipped wall times: they fire shifted forward, so walk from the gap's start
        // (a wildcard hour follows real time, whose instants after the gap have wall times of
        // their own).
        local = last.getDateTimeBefore().minusNanos(1);
      }
      while (true) {
        LocalDateTime wall = nextWallTime(local, after);
        @Nullable Instant best = null;
        List<ZoneOffset> offsets = rules.getValidOffsets(wall);
        if (offsets.isEmpty()) {
          best = ZonedDateTime.ofLocal(wall, zone, null).toInstant(); // in a gap: shifted forward
        } else {
          List<Instant> candidates = new ArrayList<>();
          for (ZoneOffset o : offsets) {
            candidates.add(wall.toInstant(o));
          }
          candidates.sort(null);
          if (!everyHour) {
            candidates = candidates.subList(0, 1); // a repeated wall time fires once, at its first
          }
          for (Instant c : candidates) {
            if (c.isAfter(after)) {
              best = c;
              break;
            }
          }
        }
        if (best != null && best.isAfter(after)) {
          return best;
        }
        local = wall;
      }
    }

    private LocalDateTime nextWallTime(LocalDateTime local, Instant after) {
      return execution
          .nextExecution(local.atZone(ZoneOffset.UTC))
          .map(ZonedDateTime::toLocalDateTime)
          .orElseThrow(
              () ->
                  new ValidationException(
                      "cron", "'" + Storable.shown(expression) + "' never fires after " + after));
    }

    @Override
    public String spec() {
      return "cron:" + expression;
    }

    @Override
    public ZoneId zone() {
      return zone;
    }

    @Override
    public Schedule inZone(ZoneId zone) {
      return new CronSchedule(expression, zone);
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
