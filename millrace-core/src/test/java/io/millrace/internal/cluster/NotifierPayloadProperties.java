package io.millrace.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * Whatever a payload holds (quotes, separators, non-ASCII, empty), the subscriber of the channel it
 * was sent on gets it unchanged, and the other channel's subscriber gets nothing.
 */
class NotifierPayloadProperties {
  static TestDatabase db;
  static Notifier notifier;
  static final List<String> first = new CopyOnWriteArrayList<>();
  static final List<String> second = new CopyOnWriteArrayList<>();

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("notifierprop");
    notifier = new Notifier(db.dataSource(), true, new SimpleMeterRegistry());
    notifier.subscribe("np_first", first::add, () -> {});
    notifier.subscribe("np \"second\"", second::add, () -> {});
    notifier.start();
    Await.until("listening", notifier::listening);
  }

  @AfterContainer
  static void stop() {
    notifier.stop();
    db.close();
  }

  @BeforeTry
  void clear() {
    first.clear();
    second.clear();
  }

  @Provide
  Arbitrary<String> payloads() {
    return Arbitraries.strings()
        .withCharRange(' ', '~')
        .withChars('é', 'ß', '→', '中', '\t', '\n')
        .ofMaxLength(300);
  }

  @Property(tries = 40)
  void eachPayloadReachesOnlyItsChannel(@ForAll("payloads") String payload, @ForAll boolean toFirst)
      throws SQLException {
    String channel = toFirst ? "np_first" : "np \"second\"";
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, payload);
      ps.execute();
    }
    List<String> mine = toFirst ? first : second;
    List<String> other = toFirst ? second : first;
    Await.until("delivered", () -> !mine.isEmpty());
    assertThat(mine).containsExactly(payload);
    assertThat(other).isEmpty();
  }
}
