package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.base.ValidationException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cron schedules in IANA zones across daylight-saving changes (Europe/Berlin 2026: clocks skip
 * 02:00-03:00 on 29 March and repeat 02:00-03:00 on 25 October; America/New_York on 8 March and 1
 * November).
 */
class ScheduleZoneTest {
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  @Test
  void aDailyJobAt0230FiresOnceOnTheSpringForwardDayAtTheShiftedTime() {
    Schedule daily = Schedule.cron("30 2 * * *", BERLIN);
    List<ZonedDateTime> fired = fires(daily, "2026-03-27T00:00:00Z", "2026-04-01T00:00:00Z");
    assertThat(fired)
        .extracting(z -> z.withZoneSameInstant(BERLIN).toString())
        .containsExactly(
            "2026-03-27T02:30+01:00[Europe/Berlin]",
            "2026-03-28T02:30+01:00[Europe/Berlin]",
            "2026-03-29T03:30+02:00[Europe/Berlin]",
            "2026-03-30T02:30+02:00[Europe/Berlin]",
            "2026-03-31T02:30+02:00[Europe/Berlin]");
  }

  @Test
  void aDailyJobAt0230FiresOnceOnTheFallBackDay() {
    Schedule daily = Schedule.cron("30 2 * * *", BERLIN);
    List<ZonedDateTime> fired = fires(daily, "2026-10-23T00:00:00Z", "2026-10-28T00:00:00Z");
    assertThat(fired)
        .extracting(z -> z.withZoneSameInstant(BERLIN).toString())
        .containsExactly(
            "2026-10-23T02:30+02:00[Europe/Berlin]",
            "2026-10-24T02:30+02:00[Europe/Berlin]",
            "2026-10-25T02:30+02:00[Europe/Berlin]",
            "2026-10-26T02:30+01:00[Europe/Berlin]",
            "2026-10-27T02:30+01:00[Europe/Berlin]");
    // New York, with seconds: once on each change day too.
    Schedule seconds = Schedule.cron("0 30 2 * * *", NEW_YORK);
    assertThat(fires(seconds, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z"))
        .extracting(z -> z.withZoneSameInstant(NEW_YORK).toLocalTime().toString())
        .containsExactly("03:30");
    assertThat(fires(seconds, "2026-11-01T04:00:00Z", "2026-11-02T04:00:00Z")).hasSize(1);
  }

  @Test
  void aJobEveryHourFollowsRealTimeThroughBothChanges() {
    Schedule hourly = Schedule.cron("15 * * * *", BERLIN);
    for (String[] day :
        new String[][] {
          {"2026-03-28T22:00:00Z", "2026-03-29T22:00:00Z"},
          {"2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"}
        }) {
      List<ZonedDateTime> fired = fires(hourly, day[0], day[1]);
      for (int i = 1; i < fired.size(); i++) {
        assertThat(Duration.between(fired.get(i - 1), fired.get(i))).isEqualTo(Duration.ofHours(1));
      }
      assertThat(fired)
          .hasSize((int) Duration.between(Instant.parse(day[0]), Instant.parse(day[1])).toHours());
    }
  }

  @Test
  void utcByDefaultAndZonesAreKeptThroughTheStoredForm() {
    assertThat(Schedule.cron("0 9 * * *").zone().getId()).isEqualTo("Z");
    Schedule berlin = Schedule.parse("cron:0 9 * * *", "Europe/Berlin");
    assertThat(berlin.zone()).isEqualTo(BERLIN);
    assertThat(berlin.next(Instant.parse("2026-07-01T00:00:00Z")))
        .isEqualTo(Instant.parse("2026-07-01T07:00:00Z"));
    PeriodicJob job =
        PeriodicJob.of("p", Schedule.cron("0 9 * * *"), JobRequest.of("k", java.util.Map.of()))
            .inZone(NEW_YORK);
    assertThat(job.schedule().zone()).isEqualTo(NEW_YORK);
    assertThat(Schedule.every(Duration.ofMinutes(5)).inZone(NEW_YORK).zone().getId())
        .isEqualTo("Z");
    assertThatThrownBy(() -> Schedule.parse("cron:0 9 * * *", "Mars/Olympus"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("zone")
        .hasMessageContaining("Mars/Olympus");
  }

  /** Every tick in [from, to), walked with next() as the leader walks it. */
  static List<ZonedDateTime> fires(Schedule s, String from, String to) {
    List<ZonedDateTime> out = new ArrayList<>();
    Instant end = Instant.parse(to);
    Instant t = s.next(Instant.parse(from));
    while (t.isBefore(end)) {
      out.add(t.atZone(s.zone()));
      t = s.next(t);
    }
    return out;
  }

  static LocalDate localDate(Instant t, ZoneId zone) {
    return t.atZone(zone).toLocalDate();
  }
}
