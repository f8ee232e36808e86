package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.MisfirePolicy;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.jobs.ScheduleStatus;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes fire the same tick at once while operators act on the schedule from other threads:
 * exactly once per tick still holds. Each round, every node fires the tick that is due (as the
 * leader, or two leaders for a moment, would), racing a trigger-now from each node, or a pause. The
 * ticks are hourly and stepped with {@code firePeriodicJobs}, so the races are real and the outcome
 * never depends on timing.
 */
class ScheduleRacesTest {
  static final int ROUNDS = 15;
  static TestDatabase db;
  static Millrace registrar;
  static final List<Millrace> nodes = new ArrayList<>();
  static ExecutorService pool;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("schedraces", 16);
    db.migratedClient().close();
    registrar =
        db.builder()
            .nodeId("registrar")
            .periodic(hourly("raced"))
            .periodic(hourly("paused"))
            .build();
    registrar.start();
    for (String id : List.of("race-a", "race-b", "race-c")) {
      nodes.add(db.builder().nodeId(id).build());
    }
    pool = Executors.newFixedThreadPool(6);
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
    nodes.forEach(Millrace::close);
    registrar.close();
    db.close();
  }

  static PeriodicJob hourly(String name) {
    return new PeriodicJob(
        name,
        Schedule.every(Duration.ofHours(1)),
        JobRequest.of("report", Map.of()),
        MisfirePolicy.FIRE_ALL);
  }

  @Test
  void triggerNowRacingTicksEnqueuesEachExactlyOnce() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Instant tick = next("raced");
      expected.add("tick:" + tick);
      Instant asOf = tick.plusSeconds(1);
      List<Callable<Object>> racers = new ArrayList<>();
      for (Millrace node : nodes) {
        racers.add(() -> node.firePeriodicJobs(asOf));
        racers.add(() -> node.schedules().triggerNow("raced").orElseThrow());
      }
      race(racers);
    }
    List<String> tags = tags("raced");
    List<String> ticks = tags.stream().filter(t -> t.startsWith("tick:")).toList();
    List<String> triggers = tags.stream().filter(t -> t.startsWith("trigger:")).toList();
    // The other test's nodes may fire later ticks of this schedule too; each tick still fires once.
    assertThat(ticks).containsAll(expected).doesNotHaveDuplicates();
    assertThat(triggers).hasSize(3 * ROUNDS).doesNotHaveDuplicates();
    assertThat(registrar.schedules().get("raced").orElseThrow().triggers()).isEqualTo(3 * ROUNDS);
  }

  @Test
  void aPauseRacingATickStopsItOrFollowsItNeverDoublesIt() throws Exception {
    int fired = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Instant tick = next("paused");
      Instant asOf = tick.plusSeconds(1);
      List<Callable<Object>> racers = new ArrayList<>();
      for (Millrace node : nodes) {
        racers.add(() -> node.firePeriodicJobs(asOf));
      }
      racers.add(() -> nodes.get(0).schedules().pause("paused").orElseThrow());
      race(racers);
      // Counted by tag: the nodes fire the other test's schedule too.
      int thisRound = tags("paused").size() - fired;
      assertThat(thisRound).isBetween(0, 1);
      fired += thisRound;
      // Once the pause has returned nothing fires, by any node.
      for (Millrace node : nodes) {
        node.firePeriodicJobs(asOf.plus(Duration.ofHours(3)));
      }
      assertThat(tags("paused")).hasSize(fired);
      ScheduleStatus s = nodes.get(1).schedules().resume("paused").orElseThrow();
      // A tick the pause stopped is still the next one; a fired one has moved on.
      assertThat(s.nextFireTimes().get(0))
          .isEqualTo(thisRound == 0 ? tick : tick.plusSeconds(3600));
    }
    List<String> ticks = tags("paused");
    assertThat(ticks).hasSize(fired).doesNotHaveDuplicates();
  }

  /** Runs every racer at once (released together by a latch); their results in order. */
  static List<Object> race(List<Callable<Object>> racers) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Object>> futures = new ArrayList<>();
    for (Callable<Object> r : racers) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return r.call();
              }));
    }
    go.countDown();
    List<Object> results = new ArrayList<>();
    for (Future<Object> f : futures) {
      results.add(f.get());
    }
    return results;
  }

  static Instant next(String name) {
    return registrar.schedules().get(name).orElseThrow().nextFireTimes().get(0);
  }

  static List<String> tags(String name) {
    return db.column(
        "SELECT t FROM (SELECT tags FROM {schema}.jobs UNION ALL SELECT tags FROM"
            + " {schema}.job_history) j, unnest(j.tags) t WHERE 'periodic:"
            + name
            + "' = ANY(j.tags) AND t NOT LIKE 'periodic:%' ORDER BY t");
  }
}
