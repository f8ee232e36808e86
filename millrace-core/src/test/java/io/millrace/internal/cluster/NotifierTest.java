package io.millrace.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The notifier on its own, against PostgreSQL: one session multiplexing channels, subscribers told
 * to poll after every connect, recovery from a terminated backend, an interrupt ending its thread
 * with the flag kept, and no session at all when off.
 */
class NotifierTest {
  TestDatabase db;
  Notifier notifier;
  final List<String> jobs = new CopyOnWriteArrayList<>();
  final List<String> events = new CopyOnWriteArrayList<>();
  final AtomicInteger jobsMissed = new AtomicInteger();
  final AtomicInteger eventsMissed = new AtomicInteger();

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("notifier");
  }

  @AfterEach
  void tearDown() {
    if (notifier != null) {
      notifier.stop();
    }
    db.close();
  }

  private Notifier subscribed(boolean enabled, SimpleMeterRegistry meters) {
    Notifier n = new Notifier(db.dataSource(), enabled, meters);
    n.subscribe("n_jobs", jobs::add, jobsMissed::incrementAndGet);
    n.subscribe("n_events", events::add, eventsMissed::incrementAndGet);
    return n;
  }

  @Test
  void oneSessionCarriesEveryChannelToItsOwnSubscriber() {
    notifier = subscribed(true, new SimpleMeterRegistry());
    notifier.start();
    Await.until("listening", notifier::listening);
    assertThat(jobsMissed.get()).as("told to poll once after connecting").isEqualTo(1);
    assertThat(eventsMissed.get()).isEqualTo(1);
    assertThat(db.column("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN \"n_%'"))
        .containsExactly("1");

    db.execute("SELECT pg_notify('n_jobs', 'q1'), pg_notify('n_events', 'e1')");
    db.execute("SELECT pg_notify('n_other', 'x')");
    Await.until("both delivered", () -> jobs.size() == 1 && events.size() == 1);
    assertThat(jobs).containsExactly("q1");
    assertThat(events).containsExactly("e1");
  }

  @Test
  void aTerminatedSessionComesBackAndSubscribersPollAgain() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    notifier = subscribed(true, meters);
    notifier.start();
    Await.until("listening", notifier::listening);
    int pid = notifier.backendPid();
    db.execute("SELECT pg_terminate_backend(" + pid + ")");
    Await.until(
        "listening on a new session", () -> notifier.listening() && notifier.backendPid() != pid);
    assertThat(notifier.reconnects()).isEqualTo(1);
    assertThat(meters.counter("millrace.notifier.reconnects").count()).isEqualTo(1.0);
    assertThat(meters.get("millrace.notifier.listening").gauge().value()).isEqualTo(1.0);
    assertThat(jobsMissed.get()).as("told to poll after the reconnect").isEqualTo(2);
    assertThat(eventsMissed.get()).isEqualTo(2);

    db.execute("SELECT pg_notify('n_jobs', 'after')");
    Await.until("delivered after the reconnect", () -> jobs.contains("after"));
  }

  @Test
  void anInterruptEndsTheThreadWithTheFlagKept() {
    notifier = subscribed(true, new SimpleMeterRegistry());
    notifier.start();
    Await.until("listening", notifier::listening);
    BackgroundLoop loop = notifier.loop();
    assertThat(loop).isNotNull();
    loop.thread().interrupt();
    Await.until("thread ended", () -> !loop.thread().isAlive());
    assertThat(loop.endedInterrupted()).isTrue();
    assertThat(notifier.listening()).isFalse();
  }

  @Test
  void offItOpensNothing() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    notifier = subscribed(false, meters);
    notifier.start();
    assertThat(notifier.loop()).isNull();
    assertThat(notifier.listening()).isFalse();
    assertThat(meters.get("millrace.notifier.listening").gauge().value()).isZero();
    assertThat(notifier.readinessCheck().check().details()).containsEntry("listening", false);
    assertThat(notifier.readinessCheck().check().ready()).isTrue();
  }
}
