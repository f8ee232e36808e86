package io.millrace.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.jobs.Backoff;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade from the previous release to this build, on one database: the previous
 * release's node (its own jar, statements and Java together, loaded in a class loader of its own)
 * migrates the schema to its version and works a queue; this build migrates the schema to its
 * version while that node has jobs in flight; the old node keeps claiming and completing jobs on
 * the new schema; a node of this build joins and both work the same queue, with jobs enqueued by
 * both; the old node stops gracefully and the new one finishes. Every job completes exactly once,
 * the counters verify exact, and the old node refuses to start again against the newer schema.
 *
 * <p>The previous release is {@code 0.1.0} at schema version 9, built from the source of that
 * release into the fixture jar {@value #PREVIOUS_JAR}. Only {@code io.millrace} classes and
 * resources come from that jar; the libraries (pgjdbc, HikariCP, Jackson, Flyway, Micrometer,
 * SLF4J, cron-utils) are the test's own, at the same versions the previous release was built with.
 */
class RollingUpgradeTest {
  static final String PREVIOUS_JAR = "/io/millrace/upgrade/millrace-core-0.1.0-schema9.jar";
  static final int PREVIOUS_SCHEMA = 9;
  static final String KIND = "upgrade.job";
  static final int BATCH = 150;

  TestDatabase db;
  final List<AutoCloseable> closeLater = new ArrayList<>();
  final CountDownLatch migrated = new CountDownLatch(1);

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeLater.size() - 1; i >= 0; i--) {
      closeLater.get(i).close();
    }
    db.close();
  }

  @Test
  void previousReleaseAndThisBuildShareOneDatabaseThroughTheMigration() throws Exception {
    db = TestDatabase.create("upgrade");
    PreviousRelease previous = new PreviousRelease();
    closeLater.add(previous);
    Class<?> oldMigrator = previous.loadClass(SchemaMigrator.class.getName());
    assertThat(oldMigrator.getClassLoader()).isSameAs(previous);
    assertThat(oldMigrator.getField("CURRENT_VERSION").getInt(null)).isEqualTo(PREVIOUS_SCHEMA);

    // The previous release installs its schema and starts working.
    Object oldNode = previous.node(db, "old", this::oldHandler);
    closeLater.add(() -> invoke(oldNode, "close"));
    assertThat(invoke(oldNode, "migrate")).isEqualTo(PREVIOUS_SCHEMA);
    execute(
        "CREATE TABLE {schema}.upgrade_runs (job_id bigint NOT NULL, attempt int NOT NULL,"
            + " node text NOT NULL, after_migration boolean NOT NULL)");
    invoke(oldNode, "start");
    int enqueued = 0;
    enqueued += previous.enqueue(oldNode, enqueued, BATCH);
    // Its handlers hold their jobs until the schema is migrated: jobs in flight through the
    // migration, claimed by the old statements and completed by them on the new schema.
    Await.until("the old node's handlers to hold jobs", () -> oldHeld >= 2);

    Millrace client = db.builder().build();
    closeLater.add(client);
    assertThat(new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema())).appliedVersion())
        .isEqualTo(PREVIOUS_SCHEMA);
    assertThat(client.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);
    migrated.countDown();

    // Only the old node runs: it claims and completes on the new schema.
    enqueued += previous.enqueue(oldNode, enqueued, BATCH);
    Await.until(
        "the old node to claim jobs on the new schema",
        () -> count("WHERE node = 'old' AND after_migration") >= BATCH / 2);
    assertThat(readiness(oldNode))
        .as("the old node is not ready once the schema is newer than it knows, yet keeps working")
        .isFalse();

    // A node of this build joins; both work the same queue, jobs come from both releases.
    Millrace newNode =
        db.builder()
            .nodeId("new")
            .backoff(Backoff.fixed(Duration.ofMillis(50)))
            .queue("default", 2)
            .handler(
                KIND,
                Map.class,
                ctx -> {
                  record(ctx.id(), ctx.attempt(), "new");
                  return null;
                })
            .build();
    closeLater.add(newNode);
    newNode.start();
    for (int i = 0; i < 2; i++) {
      enqueued += previous.enqueue(oldNode, enqueued, BATCH);
      enqueued += enqueueNew(newNode, enqueued, BATCH);
    }
    int beforeStop = enqueued;
    Await.until("jobs of both releases finished", () -> finished() >= beforeStop);
    assertThat(invokeList(invoke(oldNode, "counts"), "verify", false))
        .as("the old node's counters verify exact on the new schema")
        .isEmpty();

    // The old node stops gracefully; the new one carries on (and takes over leadership).
    invoke(oldNode, "close");
    enqueued += enqueueNew(newNode, enqueued, BATCH);
    int total = enqueued;
    Await.until("every job finished", () -> finished() >= total);

    long retried = db.count("FROM {schema}.job_history WHERE id % 5 = 0");
    assertThat(retried).isPositive();
    assertThat(count("")).as("runs: one per job, two per retried job").isEqualTo(total + retried);
    assertThat(db.count("FROM (SELECT DISTINCT job_id, attempt FROM {schema}.upgrade_runs) r"))
        .as("no attempt ran twice")
        .isEqualTo(total + retried);
    assertThat(
            db.count(
                "FROM {schema}.job_history WHERE attempt = CASE WHEN id % 5 = 0 THEN 2 ELSE 1 END"))
        .as("each job completed at the attempt that succeeded")
        .isEqualTo(total);
    assertThat(db.count("FROM (SELECT DISTINCT job_id FROM {schema}.upgrade_runs) r"))
        .as("every job ran exactly once")
        .isEqualTo(total);
    assertThat(db.count("FROM {schema}.job_history")).isEqualTo(total);
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed'")).isEqualTo(total);
    assertThat(db.count("FROM {schema}.jobs")).isZero();
    assertThat(count("WHERE node = 'new'")).isPositive();
    assertThat(newNode.counts().verify(false)).as("counters exact").isEmpty();

    // The previous release refuses to start again on the newer schema.
    Object restarted = previous.node(db, "old-again", this::oldHandler);
    closeLater.add(() -> invoke(restarted, "close"));
    assertThatThrownBy(() -> invoke(restarted, "start"))
        .hasMessageContaining("is at version " + SchemaMigrator.CURRENT_VERSION)
        .hasMessageContaining("newer than this Millrace build knows (" + PREVIOUS_SCHEMA + ")");
  }

  private volatile int oldHeld;

  private void oldHandler(long id, int attempt) throws InterruptedException {
    boolean after = migrated.getCount() == 0;
    if (!after) {
      synchronized (this) {
        oldHeld++;
      }
      if (!migrated.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the schema was never migrated");
      }
    }
    insertRun(id, attempt, "old", after);
    failFirstAttemptOfSome(id, attempt);
  }

  /** Every fifth job fails its first attempt and is retried, on whichever node claims it. */
  private static void failFirstAttemptOfSome(long id, int attempt) {
    if (id % 5 == 0 && attempt == 1) {
      throw new IllegalStateException("first attempt of job " + id + " fails");
    }
  }

  private void record(long id, int attempt, String node) {
    insertRun(id, attempt, node, true);
    failFirstAttemptOfSome(id, attempt);
  }

  private void insertRun(long id, int attempt, String node, boolean afterMigration) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(sql("INSERT INTO {schema}.upgrade_runs VALUES (?, ?, ?, ?)"))) {
      ps.setLong(1, id);
      ps.setInt(2, attempt);
      ps.setString(3, node);
      ps.setBoolean(4, afterMigration);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int enqueueNew(Millrace node, int from, int n) {
    List<JobRequest> jobs = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      jobs.add(JobRequest.of(KIND, Map.of("n", i)));
    }
    node.enqueueAll(jobs);
    return n;
  }

  private long finished() {
    return db.count("FROM {schema}.job_history");
  }

  private long count(String where) {
    return db.count("FROM {schema}.upgrade_runs " + where);
  }

  private void execute(String statement) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql(statement));
    }
  }

  private String sql(String statement) {
    return statement.replace("{schema}", '"' + db.schema() + '"');
  }

  private static boolean readiness(Object node) {
    return (Boolean) invoke(invoke(invoke(node, "readiness"), "report"), "ready");
  }

  private static List<?> invokeList(Object target, String name, Object... args) {
    return (List<?>) Objects.requireNonNull(invoke(target, name, args));
  }

  /** Calls a public method of the previous release's API by name, unwrapping its exceptions. */
  static Object invoke(Object target, String name, Object... args) {
    boolean isStatic = target instanceof Class<?>;
    Class<?> type = isStatic ? (Class<?>) target : target.getClass();
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name) && accepts(m.getParameterTypes(), args)) {
        try {
          return m.invoke(isStatic ? null : target, args);
        } catch (InvocationTargetException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    throw new IllegalArgumentException("no method " + name + " on " + type);
  }

  private static boolean accepts(Class<?>[] params, Object[] args) {
    if (params.length != args.length) {
      return false;
    }
    for (int i = 0; i < params.length; i++) {
      Class<?> p = params[i];
      if (p == int.class) {
        p = Integer.class;
      } else if (p == boolean.class) {
        p = Boolean.class;
      } else if (p == long.class) {
        p = Long.class;
      }
      if (!p.isInstance(args[i])) {
        return false;
      }
    }
    return true;
  }

  interface OldWork {
    void run(long id, int attempt) throws Exception;
  }

  /**
   * The previous release's jar in a class loader of its own: {@code io.millrace} classes and
   * resources (its statements and migrations) only from the jar, everything else from the test's
   * class path.
   */
  static final class PreviousRelease extends URLClassLoader {
    PreviousRelease() {
      super(
          new URL[] {Objects.requireNonNull(RollingUpgradeTest.class.getResource(PREVIOUS_JAR))},
          RollingUpgradeTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("io.millrace.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          c = findClass(name);
        }
        if (resolve) {
          resolveClass(c);
        }
        return c;
      }
    }

    @Override
    public URL getResource(String name) {
      return name.startsWith("io/millrace/") ? findResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.startsWith("io/millrace/") ? findResources(name) : super.getResources(name);
    }

    /** A node of the previous release, built with the same test timings as {@link TestDatabase}. */
    Object node(TestDatabase db, String nodeId, OldWork work) throws ClassNotFoundException {
      Class<?> handlerType = loadClass("io.millrace.jobs.JobHandler");
      Object handler =
          Proxy.newProxyInstance(
              this,
              new Class<?>[] {handlerType},
              (proxy, method, args) -> {
                switch (method.getName()) {
                  case "handle" -> {
                    Object ctx = args[0];
                    work.run((Long) invoke(ctx, "id"), (Integer) invoke(ctx, "attempt"));
                    return null;
                  }
                  case "equals" -> {
                    return proxy == args[0];
                  }
                  case "hashCode" -> {
                    return System.identityHashCode(proxy);
                  }
                  default -> {
                    return "previous release handler";
                  }
                }
              });
      Object b = invoke(loadClass("io.millrace.Millrace"), "builder", (DataSource) db.dataSource());
      invoke(b, "schema", db.schema());
      invoke(b, "nodeId", nodeId);
      invoke(b, "lease", Duration.ofSeconds(3));
      invoke(b, "heartbeat", Duration.ofMillis(500));
      invoke(b, "pollInterval", Duration.ofMillis(200));
      invoke(b, "maintenanceInterval", Duration.ofMillis(200));
      invoke(b, "countsRefreshInterval", Duration.ofMillis(200));
      invoke(b, "shutdownTimeout", Duration.ofSeconds(5));
      invoke(b, "queue", "default", 2);
      invoke(
          b,
          "backoff",
          invoke(loadClass("io.millrace.jobs.Backoff"), "fixed", Duration.ofMillis(50)));
      invoke(b, "handler", KIND, Map.class, handler);
      return invoke(b, "build");
    }

    /** Enqueues {@code n} jobs through the previous release's node, in one batch. */
    int enqueue(Object node, int from, int n) throws ClassNotFoundException {
      Class<?> request = loadClass("io.millrace.jobs.JobRequest");
      List<Object> jobs = new ArrayList<>();
      for (int i = from; i < from + n; i++) {
        jobs.add(invoke(request, "of", KIND, Map.of("n", i)));
      }
      invoke(node, "enqueueAll", jobs);
      return n;
    }
  }
}
