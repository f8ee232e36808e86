package io.millrace.bench.soak;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.bench.BenchDatabase;
import io.millrace.jobs.JobRequest;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The heap of a node with many workers under full load: one Millrace node with {@code workers}
 * handlers (1 ms of work each) drains a backlog that a producer in the same JVM keeps at least
 * {@code depth} jobs deep, for {@code seconds}. Every second it reads the heap in use; it prints
 * the peak, the peak of the heap outside eden (survivor and old generation: what the node retains),
 * the completion rate, and the collectors' counts and times.
 *
 * <p>Run it under the limit it is meant to respect, so exceeding it fails the run rather than
 * showing up as a number: {@code ./mvnw -B -q -pl millrace-bench -am package -DskipTests && java
 * -Xmx256m -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.soak.HeapBenchmark
 * [workers=64] [seconds=60] [depth=20000]}
 */
public final class HeapBenchmark {
  private HeapBenchmark() {}

  public static void main(String[] argv) throws Exception {
    int workers = argv.length > 0 ? Integer.parseInt(argv[0]) : 64;
    int seconds = argv.length > 1 ? Integer.parseInt(argv[1]) : 60;
    int depth = argv.length > 2 ? Integer.parseInt(argv[2]) : 20_000;
    try (BenchDatabase db = BenchDatabase.open(workers + 8)) {
      HikariDataSource ds = db.dataSource();
      String schema = "soak_heap_" + System.currentTimeMillis();
      LongAdder completed = new LongAdder();
      Millrace node =
          Millrace.builder(ds)
              .schema(schema)
              .queue("default", workers)
              .handler(
                  FixedRateLoad.KIND,
                  Map.class,
                  job -> {
                    Thread.sleep(1);
                    completed.increment();
                    return null;
                  })
              .build();
      node.migrate();
      long enqueued = topUp(node, 0, completed, depth);
      node.start();
      long maxHeap = Runtime.getRuntime().maxMemory();
      long peakUsed = 0;
      long peakAfterGc = 0;
      long t0 = System.nanoTime();
      try {
        for (int s = 0; s < seconds; s++) {
          long until = System.nanoTime() + 1_000_000_000L;
          while (System.nanoTime() < until) {
            enqueued = topUp(node, enqueued, completed, depth);
            Thread.sleep(20);
          }
          peakUsed =
              Math.max(
                  peakUsed, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
          peakAfterGc = Math.max(peakAfterGc, liveAfterCollection());
        }
      } finally {
        node.close();
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "heap under full load: %d workers, %d s, backlog kept ≥ %d jobs, max heap %d MiB; %s%n",
          workers,
          seconds,
          depth,
          maxHeap >> 20,
          db.description());
      System.out.printf(
          Locale.ROOT,
          "  completed %d jobs, %.0f jobs/s%n",
          completed.sum(),
          completed.sum() / elapsed);
      System.out.printf(
          Locale.ROOT, "  heap in use, peak of per-second samples: %d MiB%n", peakUsed >> 20);
      System.out.printf(
          Locale.ROOT,
          "  heap outside eden (survivor + old generation, what survives collections), peak: %d MiB%n",
          peakAfterGc >> 20);
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        System.out.printf(
            Locale.ROOT,
            "  %s: %d collections, %d ms%n",
            gc.getName(),
            gc.getCollectionCount(),
            gc.getCollectionTime());
      }
    }
  }

  /** Heap outside the allocation area (survivor and old generation): what the node keeps. */
  private static long liveAfterCollection() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && !pool.getName().contains("Eden")) {
        sum += pool.getUsage().getUsed();
      }
    }
    return sum;
  }

  /** Enqueues batches of 1,000 until {@code depth} jobs are waiting; returns the total enqueued. */
  private static long topUp(Millrace node, long enqueued, LongAdder completed, int depth) {
    String pad = "x".repeat(220);
    while (enqueued - completed.sum() < depth) {
      List<JobRequest> batch = new ArrayList<>(1_000);
      for (int i = 0; i < 1_000; i++) {
        batch.add(JobRequest.of(FixedRateLoad.KIND, Map.of("pad", pad)));
      }
      node.enqueueAll(batch);
      enqueued += 1_000;
    }
    return enqueued;
  }
}
