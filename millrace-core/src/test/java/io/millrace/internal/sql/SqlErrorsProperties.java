package io.millrace.internal.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Retry loops retry only what passes by itself: generated SQLSTATEs, wrapped in generated chains of
 * causes and next exceptions (cycles included), are transient exactly when the state is one of the
 * listed ones, however deep the SQL error sits.
 */
class SqlErrorsProperties {
  static final Set<String> LISTED =
      Set.of("40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03");

  static boolean expectedTransient(String state) {
    return state.startsWith("08")
        || state.startsWith("53")
        || state.startsWith("58")
        || LISTED.contains(state);
  }

  @Provide
  Arbitrary<String> states() {
    Arbitrary<String> known =
        Arbitraries.of(
            "08000", "08003", "08006", "08001", "53300", "53200", "58030", "40001", "40P01",
            "55P03", "57014", "57P01", "57P02", "57P03", "22P05", "22021", "23505", "42P01",
            "42501", "54001", "22003", "XX000", "40002", "57P04", "55000");
    Arbitrary<String> random = Arbitraries.strings().withChars("0123456789ABCDEFPX").ofLength(5);
    return Arbitraries.oneOf(known, random);
  }

  @Property(tries = 200)
  void transientExactlyForTheListedStatesAtAnyDepth(
      @ForAll("states") String state,
      @ForAll @IntRange(max = 6) int depth,
      @ForAll("wrappers") List<Integer> wrappers) {
    Throwable error = new SQLException("the database says no", state);
    for (int i = 0; i < depth; i++) {
      int how = wrappers.isEmpty() ? 0 : wrappers.get(i % wrappers.size());
      error =
          switch (how) {
            case 0 -> new RuntimeException("wrapped", error);
            case 1 -> new SQLException("no state of its own", null, error);
            default -> {
              SQLException head = new SQLException("batch failed", (String) null);
              head.setNextException((SQLException) asSql(error));
              yield head;
            }
          };
    }
    assertThat(SqlErrors.isTransient(error)).isEqualTo(expectedTransient(state));
    assertThat(SqlErrors.state(error)).isEqualTo(state);
  }

  @Provide
  Arbitrary<List<Integer>> wrappers() {
    return Arbitraries.integers().between(0, 2).list().ofMaxSize(6);
  }

  @Property(tries = 50)
  void aCycleOfCausesEndsTheWalk(@ForAll("states") String state) {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(new SQLException("c", state, b));
    assertThat(SqlErrors.isTransient(a)).isEqualTo(expectedTransient(state));
  }

  @Property(tries = 20)
  void aConnectionLostWithNoStateIsTransient(@ForAll @IntRange(max = 3) int depth) {
    Throwable error = new IOException("connection reset");
    for (int i = 0; i < depth; i++) {
      error = new SQLException("I/O error", null, error);
    }
    assertThat(SqlErrors.isTransient(error)).isTrue();
  }

  private static Throwable asSql(Throwable t) {
    return t instanceof SQLException ? t : new SQLException("wrapping", null, t);
  }
}
