package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The listing statements agree with a brute-force filter of the same rows, for every filter
 * combination tried, every cursor and page size, and with tag windows so small that a page crosses
 * many of them. History is written directly so ids, states, tags and days are under test control.
 */
@Tag("compat")
class JobSearchTest {
  record Row(
      long id, String queue, String kind, String state, List<String> tags, Instant created) {}

  static final int ROWS = 600;
  static TestDatabase db;
  static Millrace client;
  static final List<Row> rows = new ArrayList<>();

  @BeforeAll
  static void load() {
    db = TestDatabase.create("search");
    client = db.migratedClient();
    Random random = new Random(42);
    Instant base = Instant.parse("2026-01-01T00:00:00Z");
    StringBuilder values = new StringBuilder();
    for (int i = 1; i <= ROWS; i++) {
      // Ids with gaps, like a sequence shared with jobs that are still running.
      long id = i * 3L + random.nextInt(3);
      String queue = "q" + random.nextInt(3);
      String kind = "k" + random.nextInt(4);
      String state =
          List.of("completed", "completed", "failed", "cancelled").get(random.nextInt(4));
      List<String> tags = new ArrayList<>();
      if (random.nextInt(10) == 0) {
        tags.add("common");
      }
      if (i == 5 || i == 333 || i == 590) {
        tags.add("rare"); // three rows, far apart: found across many windows
      }
      if (state.equals("failed") && random.nextInt(2) == 0) {
        tags.add("failing"); // never on other states: whole partitions without a match
      }
      Instant created = base.plusSeconds(i * 600L);
      rows.add(new Row(id, queue, kind, state, tags, created));
      values
          .append(values.length() == 0 ? "" : ",")
          .append(
              String.format(
                  "(%d,'%s','%s','{}','%s',0,1,1,ARRAY[%s]::text[],'[]','%s','%s')",
                  id,
                  queue,
                  kind,
                  state,
                  String.join(",", tags.stream().map(t -> "'" + t + "'").toList()),
                  created,
                  created.plusSeconds(30)));
    }
    db.execute(
        "INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,"
            + " tags, errors, created_at, finished_at) VALUES "
            + values);
    db.execute(
        "SELECT setval('{schema}.job_id_seq', 10000)"); // new jobs are newer than this history
  }

  @AfterAll
  static void close() {
    client.close();
    db.close();
  }

  private List<Long> expected(JobAdmin.Filter f, Long before, int limit) {
    return rows.stream()
        .filter(r -> f.queue() == null || r.queue().equals(f.queue()))
        .filter(r -> f.kind() == null || r.kind().equals(f.kind()))
        .filter(r -> f.state() == null || r.state().equals(f.state().dbValue()))
        .filter(r -> f.tag() == null || r.tags().contains(f.tag()))
        .filter(r -> f.createdFrom() == null || !r.created().isBefore(f.createdFrom()))
        .filter(r -> f.createdTo() == null || r.created().isBefore(f.createdTo()))
        .filter(r -> before == null || r.id() < before)
        .map(Row::id)
        .sorted((a, b) -> Long.compare(b, a))
        .limit(limit)
        .toList();
  }

  @Test
  void everyFilterCursorAndWindowAgreesWithBruteForce() throws Exception {
    List<JobAdmin.Filter> filters = new ArrayList<>();
    for (String tag : new String[] {null, "common", "rare", "failing", "absent"}) {
      for (String queue : new String[] {null, "q1"}) {
        for (JobState state : new JobState[] {null, JobState.FAILED, JobState.COMPLETED}) {
          filters.add(new JobAdmin.Filter(queue, state, null, tag, null, null, null, 1));
        }
      }
      filters.add(
          new JobAdmin.Filter(
              null,
              null,
              "k2",
              tag,
              Instant.parse("2026-01-02T00:00:00Z"),
              Instant.parse("2026-01-03T12:00:00Z"),
              null,
              1));
    }
    SchemaName schema = SchemaName.of(db.schema());
    for (JobSearch search :
        List.of(new JobSearch(schema), new JobSearch(schema, 1), new JobSearch(schema, 7))) {
      try (Connection c = db.dataSource().getConnection()) {
        for (JobAdmin.Filter f : filters) {
          for (Long before : new Long[] {null, 1000L, 17L, 2L}) {
            for (int limit : new int[] {1, 3, 50}) {
              List<Long> got = search.run(c, f, true, true, before, limit, rs -> rs.getLong(1));
              assertThat(got)
                  .as("%s before %s limit %d", f, before, limit)
                  .isEqualTo(expected(f, before, limit));
              assertThat(c.getAutoCommit()).isTrue();
            }
          }
        }
      }
    }
  }

  @Test
  void theListPagesThroughATagAcrossBothTables() {
    // Three unfinished jobs newer than all history, one with the tag.
    long newest =
        client
            .enqueue(
                JobRequest.ofJson("k0", "{}")
                    .tags(List.of("rare"))
                    .delay(java.time.Duration.ofHours(1)))
            .id();
    client.enqueue(JobRequest.ofJson("k0", "{}").delay(java.time.Duration.ofHours(1)));
    List<Long> seen = new ArrayList<>();
    Long before = null;
    while (true) {
      List<Job> page =
          client.admin().list(new JobAdmin.Filter(null, null, null, "rare", null, null, before, 2));
      page.forEach(j -> seen.add(j.id()));
      if (page.size() < 2) {
        break;
      }
      before = page.get(page.size() - 1).id();
    }
    List<Long> want = new ArrayList<>(List.of(newest));
    want.addAll(
        expected(new JobAdmin.Filter(null, null, null, "rare", null, null, null, 1), null, 10));
    assertThat(seen).isEqualTo(want);
  }
}
