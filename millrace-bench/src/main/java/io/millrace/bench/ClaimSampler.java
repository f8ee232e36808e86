package io.millrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Watches the claim statements from outside while {@link PickupProfile} runs: every {@value
 * #EVERY_MS} ms it reads {@code pg_stat_activity} for backends executing a claim, and, when the
 * server runs on this machine, the backend's {@code /proc/<pid>/schedstat} (nanoseconds on a CPU
 * and waiting on a run queue). For each claim seen active for at least {@value #SLOW_MS} ms it
 * reports what the backend did between the first and the last sample: the wait events sampled, and
 * how much of the time it ran versus waited for a CPU. That tells a claim that works (many buffers,
 * dead index entries) from one that waits on a lock or I/O, and from one that is ready to run but
 * not scheduled. The kernel updates those counters when the process is scheduled, so the split of
 * one execution is approximate; summed over many it is not. Executions are read only after {@link
 * #close} has joined the sampling thread.
 */
final class ClaimSampler implements AutoCloseable {
  static final int EVERY_MS = 2;
  static final int SLOW_MS = 20;

  /** One claim execution, identified by backend and statement start. */
  private static final class Execution {
    final int pid;
    long firstActiveMs;
    long lastActiveMs;
    long cpuFirst = -1;
    long waitFirst = -1;
    long cpuLast = -1;
    long waitLast = -1;
    final Map<String, Integer> waits = new TreeMap<>();

    Execution(int pid) {
      this.pid = pid;
    }
  }

  private final DataSource dataSource;
  private final Thread thread;
  private final Map<String, Execution> executions = new HashMap<>();
  private volatile boolean running = true;
  // Null while sampling works.
  private volatile @Nullable String failure;

  ClaimSampler(DataSource dataSource) {
    this.dataSource = dataSource;
    this.thread = new Thread(this::sample, "claim-sampler");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void sample() {
    String sql =
        "SELECT pid, query_start::text, coalesce(wait_event_type || ':' || wait_event, 'CPU'),"
            + " (extract(epoch FROM clock_timestamp() - query_start) * 1000)::bigint"
            + " FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
            + " AND position('FOR UPDATE SKIP LOCKED' in query) > 0";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      while (running) {
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            int pid = rs.getInt(1);
            String start = rs.getString(2);
            long activeMs = rs.getLong(4);
            Execution e;
            synchronized (executions) {
              e = executions.computeIfAbsent(pid + "@" + start, k -> new Execution(pid));
            }
            long[] sched = schedstat(pid);
            if (e.cpuFirst < 0) {
              e.firstActiveMs = activeMs;
              if (sched != null) {
                e.cpuFirst = sched[0];
                e.waitFirst = sched[1];
              }
            }
            e.lastActiveMs = activeMs;
            if (sched != null) {
              e.cpuLast = sched[0];
              e.waitLast = sched[1];
            }
            e.waits.merge(rs.getString(3), 1, Integer::sum);
          }
        }
        Thread.sleep(EVERY_MS);
      }
    } catch (SQLException | RuntimeException e) {
      failure = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** On-CPU and run-queue nanoseconds of a local process, or null if it cannot be read. */
  private static long @Nullable [] schedstat(int pid) {
    try {
      String[] f = Files.readString(Path.of("/proc/" + pid + "/schedstat")).trim().split("\\s+");
      return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(1_000);
  }

  void print() {
    List<Execution> slow = new ArrayList<>();
    int seen;
    synchronized (executions) {
      seen = executions.size();
      for (Execution e : executions.values()) {
        if (e.lastActiveMs >= SLOW_MS) {
          slow.add(e);
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "claims sampled in pg_stat_activity every %d ms: %d seen executing, %d for >= %d ms%s%n",
        EVERY_MS,
        seen,
        slow.size(),
        SLOW_MS,
        failure == null ? "" : " (sampler stopped: " + failure + ")");
    if (slow.isEmpty()) {
      return;
    }
    long cpu = 0;
    long queued = 0;
    long spanned = 0;
    Map<String, Integer> waits = new TreeMap<>();
    for (Execution e : slow) {
      e.waits.forEach((k, v) -> waits.merge(k, v, Integer::sum));
      if (e.cpuFirst >= 0 && e.cpuLast >= 0) {
        cpu += e.cpuLast - e.cpuFirst;
        queued += e.waitLast - e.waitFirst;
        spanned += e.lastActiveMs - e.firstActiveMs;
      }
    }
    System.out.println("  wait events sampled during them: " + waits);
    if (spanned > 0) {
      System.out.printf(
          Locale.ROOT,
          "  between their first and last samples (%d ms in all): on a CPU %.0f ms, ready but"
              + " waiting for a CPU %.0f ms (/proc/<pid>/schedstat)%n",
          spanned,
          cpu / 1e6,
          queued / 1e6);
    } else {
      System.out.println(
          "  /proc/<pid>/schedstat not readable: the server is not on this machine, or not this user's");
    }
    slow.sort(Comparator.comparingLong((Execution e) -> e.lastActiveMs).reversed());
    for (Execution e : slow.subList(0, Math.min(5, slow.size()))) {
      String split =
          e.cpuFirst < 0
              ? ""
              : String.format(
                  Locale.ROOT,
                  "; over the last %d ms: on a CPU %.1f ms," + " waiting for a CPU %.1f ms",
                  e.lastActiveMs - e.firstActiveMs,
                  (e.cpuLast - e.cpuFirst) / 1e6,
                  (e.waitLast - e.waitFirst) / 1e6);
      System.out.printf(
          Locale.ROOT,
          "  backend %d active >= %d ms, samples %s%s%n",
          e.pid,
          e.lastActiveMs,
          e.waits,
          split);
    }
  }
}
