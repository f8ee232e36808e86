package io.millrace.internal.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.health.Readiness;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one LISTEN connection, shared by every capability: each subscribes to its channels
 * before the node starts, and the notifier hands every notification's payload to the subscribers of
 * its channel. Notifications only shorten latency: every capability also polls (job claim loops,
 * projection runners) or repairs what it missed (the workflow reconciler), so a dropped connection
 * or a node with {@code listen} off costs speed, never work.
 *
 * <p>The connection is a session from the direct DataSource (a pooler in transaction mode cannot
 * LISTEN). A broken connection is replaced after a pause that doubles from 200 ms up to 10 s and
 * starts over once a connection is up. After every connect, once LISTEN is in place, each
 * subscriber is told it may have missed notifications, so it polls once: what was announced while
 * no one listened is found at once rather than at the next poll.
 *
 * <p>Termination: {@link #stop} ends the loop within one wait (250 ms) and unlistens before the
 * connection goes back to its pool; an interrupt of the notifier's thread ends it too, with the
 * flag kept.
 */
public final class Notifier {
  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  private static final int WAIT_MS = 250;
  private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(10);

  /** What a capability hears on one channel. */
  private record Subscription(String channel, Consumer<String> onPayload, Runnable onMissed) {}

  private final DataSource direct;
  private final boolean enabled;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final Counter reconnects;
  private volatile boolean listening;
  private volatile int backendPid;
  private boolean connectedBefore;
  private @Nullable BackgroundLoop loop;
  private boolean started;

  /**
   * @param direct where the LISTEN session comes from
   * @param enabled the node's {@code listen} setting; off, no connection is ever opened
   */
  public Notifier(DataSource direct, boolean enabled, MeterRegistry meters) {
    this.direct = direct;
    this.enabled = enabled;
    Gauge.builder("millrace.notifier.listening", this, n -> n.listening ? 1 : 0)
        .description("1 while this node's LISTEN connection is up, 0 while it relies on polling")
        .register(meters);
    this.reconnects =
        Counter.builder("millrace.notifier.reconnects")
            .description("LISTEN connections this node opened again after losing one")
            .register(meters);
  }

  /**
   * Hands each payload on {@code channel} to {@code onPayload}, and calls {@code onMissed} after
   * every connect (notifications sent while no one listened are lost). Both run on the notifier's
   * thread and must be quick. Only before {@link #start}.
   */
  public synchronized void subscribe(
      String channel, Consumer<String> onPayload, Runnable onMissed) {
    if (started) {
      throw new IllegalStateException("subscribe before the notifier starts");
    }
    subscriptions.add(new Subscription(channel, onPayload, onMissed));
  }

  /** Whether the node listens at all (its {@code listen} setting). */
  public boolean enabled() {
    return enabled;
  }

  /** Opens the LISTEN connection, unless {@code listen} is off or no one subscribed. */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    if (!enabled || subscriptions.isEmpty()) {
      return;
    }
    loop = BackgroundLoop.start("millrace-notifier", this::session, log, FIRST_PAUSE, MAX_PAUSE);
  }

  /** Ends the loop and waits for it (at most a few seconds). */
  public synchronized void stop() {
    BackgroundLoop l = loop;
    if (l != null) {
      l.stop(Duration.ofSeconds(5));
      loop = null;
    }
    listening = false;
  }

  /** True while the LISTEN connection is up (false: polling alone). */
  public boolean listening() {
    return listening;
  }

  /** How many times the connection was opened again after the first. */
  public long reconnects() {
    return (long) reconnects.count();
  }

  /** The backend process id of the LISTEN session, 0 when there is none (tests terminate it). */
  public int backendPid() {
    return listening ? backendPid : 0;
  }

  /** The running loop (tests interrupt its thread); null when not started or not listening. */
  @Nullable BackgroundLoop loop() {
    return loop;
  }

  /**
   * {@code notifier} in {@code /ready}: always ready (polling does the work without it), with
   * {@code listening} in its details.
   */
  public Readiness.Check readinessCheck() {
    return () -> {
      boolean up = listening;
      String message =
          !enabled
              ? "listen is off: polling only"
              : up ? "listening" : "not listening: polling only until the connection is back";
      return new Readiness.Status("notifier", true, message, Map.of("listening", up));
    };
  }

  private void session(Runnable healthy) throws SQLException {
    Set<String> channels = new LinkedHashSet<>();
    subscriptions.forEach(s -> channels.add(s.channel()));
    try (Connection c = direct.getConnection()) {
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        for (String channel : channels) {
          s.execute("LISTEN \"" + channel.replace("\"", "\"\"") + "\"");
        }
      }
      PGConnection pg = c.unwrap(PGConnection.class);
      backendPid = pg.getBackendPID();
      listening = true;
      if (connectedBefore) {
        reconnects.increment();
        log.info("LISTEN connection is back");
      }
      connectedBefore = true;
      healthy.run();
      for (Subscription s : subscriptions) {
        call(s, s.onMissed());
      }
      while (!Thread.currentThread().isInterrupted()) {
        PGNotification[] notes = pg.getNotifications(WAIT_MS);
        if (notes == null) {
          continue;
        }
        for (PGNotification n : notes) {
          for (Subscription s : subscriptions) {
            if (s.channel().equals(n.getName())) {
              call(s, () -> s.onPayload().accept(n.getParameter()));
            }
          }
        }
      }
      // A pooled connection must not keep listening after it is handed back.
      try (Statement s = c.createStatement()) {
        s.execute("UNLISTEN *");
      } catch (SQLException e) {
        log.debug("could not UNLISTEN before closing: {}", e.getMessage());
      }
    } finally {
      listening = false;
    }
  }

  /** A subscriber's failure is its own: the connection and the other subscribers go on. */
  private static void call(Subscription s, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      log.warn("a subscriber of {} failed on a notification: {}", s.channel(), e.getMessage());
    }
  }
}
