package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Misfire policies, with a schedule's {@code next_fire_at} moved into the past in SQL as if the
 * cluster had been down: an hourly schedule 10 h 30 min behind has 11 due ticks, the newest 30 min
 * ago. With a 10 min misfire threshold all 11 are missed; with 1 h the newest is still on time.
 * Hourly ticks keep the arithmetic exact however slowly the test runs.
 */
@Tag("compat")
class MisfirePolicyTest {
  static final Schedule HOURLY = Schedule.every(Duration.ofHours(1));

  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("misfire");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Test
  void fireAllFiresEveryMissedTick() throws Exception {
    List<Instant> due = fallBehind("all", MisfirePolicy.FIRE_ALL, Duration.ofMinutes(10));
    assertThat(ticksFired("all")).containsExactlyElementsOf(due);
    assertAdvancedPast("all", due);
  }

  @Test
  void fireOnceFiresOneJobForAllMissedTicks() throws Exception {
    List<Instant> due = fallBehind("once", MisfirePolicy.FIRE_ONCE, Duration.ofMinutes(10));
    assertThat(ticksFired("once")).containsExactly(due.get(due.size() - 1));
    assertAdvancedPast("once", due);
  }

  @Test
  void skipFiresNothingForMissedTicks() throws Exception {
    List<Instant> due = fallBehind("skip", MisfirePolicy.SKIP, Duration.ofMinutes(10));
    assertThat(ticksFired("skip")).isEmpty();
    assertAdvancedPast("skip", due);
  }

  @Test
  void onTimeTicksFireUnderEveryPolicy() throws Exception {
    List<Instant> due = fallBehind("skip-late", MisfirePolicy.SKIP, Duration.ofHours(1));
    assertThat(ticksFired("skip-late")).containsExactly(due.get(10));

    due = fallBehind("once-late", MisfirePolicy.FIRE_ONCE, Duration.ofHours(1));
    assertThat(ticksFired("once-late")).containsExactly(due.get(9), due.get(10));
  }

  @Test
  void firingTwiceFiresNothingMore() throws Exception {
    List<Instant> due = fallBehind("twice", MisfirePolicy.FIRE_ALL, Duration.ofMinutes(10));
    assertThat(periodic(Duration.ofMinutes(10)).fireDue()).isZero();
    assertThat(ticksFired("twice")).hasSize(due.size());
  }

  @Test
  void leaderMaintenanceFiresMissedTicks() {
    PeriodicJob job =
        new PeriodicJob("node", HOURLY, JobRequest.of("tick", Map.of()), MisfirePolicy.FIRE_ONCE);
    try (Millrace node =
        db.builder()
            .externalKinds("tick")
            .periodic(job)
            .misfireThreshold(Duration.ofMinutes(10))
            .maintenanceInterval(Duration.ofHours(1)) // only the explicit ticks below
            .build()) {
      node.start();
      node.runMaintenance();
      assertThat(node.isLeader()).isTrue();
      List<Instant> due = moveBack("node");
      node.runMaintenance();
      assertThat(ticksFired("node")).containsExactly(due.get(due.size() - 1));
      assertAdvancedPast("node", due);
    }
  }

  @Test
  void firingAsOfALaterInstantFiresItsTicksOnceByThePolicy() throws Exception {
    PeriodicJobs periodic = periodic(Duration.ofMinutes(10));
    periodic.register(
        List.of(
            new PeriodicJob(
                "ahead", HOURLY, JobRequest.of("tick", Map.of()), MisfirePolicy.FIRE_ALL)));
    Instant first = nextFireAt("ahead");
    // Other tests' schedules share the schema, so what this one fired is read from its tags.
    client.firePeriodicJobs(first.minusSeconds(1));
    assertThat(ticksFired("ahead")).isEmpty();
    client.firePeriodicJobs(first);
    client.firePeriodicJobs(first);
    assertThat(ticksFired("ahead")).containsExactly(first);
    // Two ticks ahead at once: both fire (FIRE_ALL), then the schedule waits for the third.
    Instant third = HOURLY.next(HOURLY.next(first));
    client.firePeriodicJobs(third);
    assertThat(ticksFired("ahead")).containsExactly(first, HOURLY.next(first), third);
    assertThat(nextFireAt("ahead")).isEqualTo(HOURLY.next(third));
    // The database's own clock, as the leader fires: nothing more is due before it gets there.
    periodic.fireDue();
    assertThat(ticksFired("ahead")).hasSize(3);
    assertThatThrownBy(() -> client.firePeriodicJobs(null))
        .isInstanceOf(io.millrace.base.ValidationException.class)
        .hasMessageContaining("asOf");
    assertThatThrownBy(() -> client.firePeriodicJobs(Instant.parse("+10000-01-01T00:00:00Z")))
        .isInstanceOf(io.millrace.base.ValidationException.class)
        .hasMessageContaining("asOf");
  }

  /**
   * Registers the schedule, moves it 10 h 30 min into the past and fires; returns the due ticks.
   */
  private List<Instant> fallBehind(String name, MisfirePolicy policy, Duration threshold)
      throws Exception {
    PeriodicJobs periodic = periodic(threshold);
    periodic.register(
        List.of(new PeriodicJob(name, HOURLY, JobRequest.of("tick", Map.of()), policy)));
    List<Instant> due = moveBack(name);
    periodic.fireDue();
    return due;
  }

  private List<Instant> moveBack(String name) {
    // The moved-back time comes from the UPDATE itself: a node's own maintenance timer may fire the
    // schedule between the UPDATE and a separate read, which would then see the advanced time.
    Instant first =
        Instant.parse(
            db.column(
                    "UPDATE {schema}.schedules"
                        + " SET next_fire_at = now() - interval '10 hours 30 minutes' WHERE name = '"
                        + name
                        + "'"
                        + " RETURNING to_char(next_fire_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
                .get(0));
    List<Instant> due = new ArrayList<>();
    for (Instant t = first; due.size() < 11; t = HOURLY.next(t)) {
      due.add(t);
    }
    return due;
  }

  private static PeriodicJobs periodic(Duration threshold) {
    return new PeriodicJobs(
        db.dataSource(),
        SchemaName.of(db.schema()),
        threshold,
        JobRequest::maxAttempts,
        io.millrace.base.Jackson2Codec.defaults(),
        "tests",
        Duration.ofMinutes(10));
  }

  private static List<Instant> ticksFired(String name) {
    return db
        .column(
            "SELECT t FROM {schema}.jobs, unnest(tags) t"
                + " WHERE 'periodic:"
                + name
                + "' = ANY(tags) AND t LIKE 'tick:%' ORDER BY t")
        .stream()
        .map(t -> Instant.parse(t.substring("tick:".length())))
        .toList();
  }

  private static void assertAdvancedPast(String name, List<Instant> due) {
    assertThat(nextFireAt(name)).isEqualTo(HOURLY.next(due.get(due.size() - 1)));
  }

  private static Instant nextFireAt(String name) {
    return Instant.parse(
        db.column(
                "SELECT to_char(next_fire_at AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM {schema}.schedules WHERE name = '"
                    + name
                    + "'")
            .get(0));
  }
}
