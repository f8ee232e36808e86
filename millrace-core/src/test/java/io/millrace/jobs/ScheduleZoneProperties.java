package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * A daily cron job fires exactly once on every local date, whatever the zone and the wall time
 * (including the times daylight-saving changes skip or repeat); a job every hour fires exactly an
 * hour apart in real time. Zones with whole-hour changes away from midnight.
 */
class ScheduleZoneProperties {
  static final String[] ZONES = {
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "America/Sao_Paulo"
  };

  @Property(tries = 60)
  void aDailyJobFiresOnceOnEveryLocalDate(
      @ForAll @IntRange(min = 0, max = 9) int zoneIndex,
      @ForAll @IntRange(min = 0, max = 59) int minute,
      @ForAll @IntRange(min = 0, max = 23) int hour,
      @ForAll @LongRange(min = 1_577_836_800L, max = 1_893_456_000L) long startSecond) {
    ZoneId zone = ZoneId.of(ZONES[zoneIndex]);
    Schedule daily = Schedule.cron(minute + " " + hour + " * * *", zone);
    Instant start = Instant.ofEpochSecond(startSecond);
    Map<LocalDate, Integer> perDay = new HashMap<>();
    Instant t = daily.next(start);
    for (int i = 0; i < 400; i++) {
      Instant next = daily.next(t);
      assertThat(next).isAfter(t);
      perDay.merge(t.atZone(zone).toLocalDate(), 1, Integer::sum);
      t = next;
    }
    assertThat(perDay.values()).allMatch(n -> n == 1);
    assertThat(perDay).hasSize(400);
  }

  @Property(tries = 40)
  void aJobEveryHourFiresAnHourApart(
      @ForAll @IntRange(min = 0, max = 8) int zoneIndex,
      @ForAll @IntRange(min = 0, max = 59) int minute,
      @ForAll @LongRange(min = 1_577_836_800L, max = 1_893_456_000L) long startSecond) {
    // America/Sao_Paulo (last) changed its clocks at midnight until 2019 and is left out.
    ZoneId zone = ZoneId.of(ZONES[zoneIndex]);
    Schedule hourly = Schedule.cron(minute + " * * * *", zone);
    Instant t = hourly.next(Instant.ofEpochSecond(startSecond));
    for (int i = 0; i < 24 * 60; i++) {
      Instant next = hourly.next(t);
      assertThat(Duration.between(t, next)).isEqualTo(Duration.ofHours(1));
      t = next;
    }
  }
}
