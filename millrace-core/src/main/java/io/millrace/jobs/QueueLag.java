package io.millrace.jobs;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code millrace.queue.oldest.due.age} gauge of each queue this node works: how long the
 * oldest job that is due (run_at passed, not running) has waited, in seconds; 0 when none is due.
 *
 * <p>Sampled, not computed per scrape: every {@link #INTERVAL} one indexed statement per queue
 * ({@code oldest_due}: a few index probes per distinct priority), so a scrape only reads a number
 * and a heavy scrape schedule never reaches the database. Every node that works a queue reports it
 * (aggregate with {@code max by (queue)}). A failed sample keeps the last value and is retried at
 * the next interval; sampling ends with the workers' timers.
 */
final class QueueLag {
  private static final Logger log = LoggerFactory.getLogger(QueueLag.class);

  /** How often the gauges are refreshed. */
  static final Duration INTERVAL = Duration.ofSeconds(10);

  private final DataSource dataSource;
  private final SqlFile sql;
  // Milliseconds, so a gauge reads a consistent value without a lock.
  private final Map<String, AtomicLong> ageMillis = new LinkedHashMap<>();

  QueueLag(
      DataSource dataSource, SchemaName schema, Collection<String> queues, MeterRegistry meters) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(QueueLag.class, "jobs.sql", schema);
    for (String queue : queues) {
      AtomicLong age = new AtomicLong();
      ageMillis.put(queue, age);
      Gauge.builder("millrace.queue.oldest.due.age", age, a -> a.get() / 1000.0)
          .tag("queue", queue)
          .baseUnit("seconds")
          .description("How long the oldest due job of the queue has waited")
          .register(meters);
    }
  }

  /** Refreshes every queue's gauge; a failure is logged and leaves the last values. */
  void sample() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("oldest_due"))) {
      for (Map.Entry<String, AtomicLong> q : ageMillis.entrySet()) {
        ps.setString(1, q.getKey());
        ps.setString(2, q.getKey());
        ps.setString(3, q.getKey());
        try (ResultSet rs = ps.executeQuery()) {
          q.getValue().set(rs.next() ? Math.round(rs.getDouble(1) * 1000) : 0);
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("could not sample the oldest due job of each queue: {}", e.getMessage());
    }
  }
}
