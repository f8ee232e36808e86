package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.base.Storable;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever text a failing handler's exception carries (NUL, lone surrogates, anything), the
 * projection is marked failed with that text escaped, instead of the failure itself failing to be
 * stored and the page being retried forever.
 */
class HandlerErrorTextProperties {
  static TestDatabase db;
  static Millrace client;
  static final AtomicInteger TRY = new AtomicInteger();

  @BeforeContainer
  static void setUp() {
    db = TestDatabase.create("handlertext");
    client = db.migratedClient();
  }

  @AfterContainer
  static void tearDown() {
    client.close();
    db.close();
  }

  @Property(tries = 15)
  void aHandlersErrorTextIsStoredEscaped(
      @ForAll @StringLength(max = 40) @CharRange(from = '\u0000', to = '\uffff') String text) {
    String name = "p" + TRY.incrementAndGet();
    String message = "\u0000" + text + "\ud800";
    client.events().append(name, EventStore.ANY, List.of(NewEvent.json("e", "{}")));
    Millrace node =
        db.builder()
            .nodeId(name)
            .projection(
                Projection.named(name)
                    .version("1")
                    .handler(
                        (e, ctx) -> {
                          throw new IllegalStateException(message);
                        })
                    .build())
            .build();
    node.start();
    try {
      Await.until("failed", () -> node.projections().queryStatus(name) == QueryStatus.FAILED);
      String stored = node.projections().get(name).orElseThrow().error();
      assertThat(stored).contains(Storable.escape(message));
    } finally {
      node.close();
    }
  }
}
