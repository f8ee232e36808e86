package io.millrace.bench.harness;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * db-scheduler 16 with one one-time task whose data is the job index.
 *
 * <p>Tuning, following db-scheduler's README on throughput: {@code threads(W)} so that as many
 * executions run at once as Millrace's queue concurrency; the lock-and-fetch polling strategy
 * ({@code pollUsingLockAndFetch(0.5, 3.0)}), which its docs recommend for PostgreSQL under high
 * throughput: one {@code UPDATE … SKIP LOCKED … RETURNING} picks up to 3 × threads executions, and
 * a new poll starts as soon as half the threads are free, instead of waiting for the polling
 * interval; a 100 ms polling interval (default 10 s) so an idle moment costs little. Enqueue uses
 * {@code SchedulerClient.scheduleBatch} (JDBC batch inserts), one call per batch.
 */
final class DbSchedulerPeer extends EnginePeer {
  @Override
  public String name() {
    return "db-scheduler 16.12";
  }

  @Override
  Engine open(DataSource ds, String schema, Settings s, Handler handler) throws Exception {
    String table = schema + ".scheduled_tasks";
    createTable(ds, table);
    OneTimeTask<Integer> task =
        Tasks.oneTime("harness", Integer.class)
            .execute(
                (instance, context) -> {
                  try {
                    handler.handle(instance.getData());
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    SchedulerClient client = SchedulerClient.Builder.create(ds, task).tableName(table).build();
    Scheduler scheduler =
        Scheduler.create(ds, task)
            .tableName(table)
            .threads(s.workers())
            .pollUsingLockAndFetch(0.5, 3.0)
            .pollingInterval(Duration.ofMillis(100))
            .shutdownMaxWait(Duration.ofSeconds(5))
            .build();
    return new Engine() {
      @Override
      public void enqueue(int from, int to) {
        List<TaskInstance<?>> batch = new ArrayList<>(to - from);
        for (int j = from; j < to; j++) {
          batch.add(task.instance(Integer.toString(j), j));
        }
        client.scheduleBatch(batch, Instant.now());
      }

      @Override
      public void start() {
        scheduler.start();
      }

      @Override
      public void close() {
        scheduler.stop();
      }
    };
  }

  /** The PostgreSQL table from db-scheduler's documented DDL (postgresql_tables.sql). */
  private static void createTable(DataSource ds, String table) throws Exception {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE "
              + table
              + " ("
              + " task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,"
              + " execution_time timestamptz NOT NULL, picked boolean NOT NULL, picked_by text,"
              + " last_success timestamptz, last_failure timestamptz, consecutive_failures int,"
              + " last_heartbeat timestamptz, version bigint NOT NULL, priority smallint,"
              + " PRIMARY KEY (task_name, task_instance))");
      st.execute("CREATE INDEX ON " + table + " (execution_time)");
      st.execute("CREATE INDEX ON " + table + " (last_heartbeat)");
      st.execute("CREATE INDEX ON " + table + " (priority DESC, execution_time ASC)");
    }
  }
}
