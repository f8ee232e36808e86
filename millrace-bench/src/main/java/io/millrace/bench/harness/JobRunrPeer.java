package io.millrace.bench.harness;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import java.time.Duration;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.storage.StorageProviderUtils.DatabaseOptions;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jspecify.annotations.Nullable;

/**
 * JobRunr 8 (its classes target Java 8, so it runs on Java 17) with its {@code
 * PostgresStorageProvider} on the harness's pool, tables created by its own migrations under the
 * prefix {@code <schema>.}. A job is the lambda {@code i -> Work.run(i)}.
 *
 * <p>Tuning, following JobRunr's docs: {@code andWorkerCount(W)} (the default is a multiple of the
 * CPU count) so that W jobs run at once as for every system; a poll interval of {@value
 * #POLL_SECONDS} s (default 15 s; 5 s is the smallest JobRunr accepts, to spare the database),
 * since JobRunr only fetches new work on a poll and an enqueued backlog would otherwise wait for
 * the next one. Enqueue uses {@code JobScheduler.enqueue(Stream, lambda)}, the bulk API the docs
 * name for many jobs at once (saved in batches). The drain starts the background job server that
 * the enqueue phase set up without starting.
 */
final class JobRunrPeer extends EnginePeer {
  static final int POLL_SECONDS = 5;
  // Set by each run before its engine starts; the engine's job classes read it.
  private static volatile @Nullable Handler handler;

  @Override
  public String name() {
    return "JobRunr 8.7.0";
  }

  @Override
  Engine open(DataSource ds, String schema, Settings s, Handler jobHandler) {
    handler = jobHandler;
    JobRunrConfigurationResult jobRunr =
        JobRunr.configure()
            .useStorageProvider(
                new PostgresStorageProvider(ds, schema + ".", DatabaseOptions.CREATE))
            .useBackgroundJobServer(
                usingStandardBackgroundJobServerConfiguration()
                    .andWorkerCount(s.workers())
                    .andPollInterval(Duration.ofSeconds(POLL_SECONDS)),
                false)
            .initialize();
    return new Engine() {
      @Override
      public void enqueue(int from, int to) {
        jobRunr.getJobScheduler().enqueue(IntStream.range(from, to).boxed(), i -> Work.run(i));
      }

      @Override
      public void start() {
        jobRunr.getBackgroundJobServer().start();
      }

      @Override
      public void close() {
        JobRunr.destroy();
      }
    };
  }

  /** The synthetic work, as JobRunr finds it: a public static method on a public class. */
  public static final class Work {
    private Work() {}

    public static void run(Integer index) throws Exception {
      running().handle(index);
    }
  }

  private static Handler running() {
    Handler h = handler;
    if (h == null) {
      throw new IllegalStateException("a job ran before its benchmark set the handler");
    }
    return h;
  }
}
