package io.millrace.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness in-process on a small backlog against the test kit's server, all seven rows including
 * the Node.js peers (whose {@code npm ci} the harness runs itself when {@code node_modules} is
 * missing): one row per system, every figure positive, a latency figure for every system but the
 * raw-SQL ceiling, the same table printed and written. Shape only, never speed (the test server
 * runs without fsync, and CI machines vary).
 */
class HarnessTest {
  @Test
  void producesARowPerSystemWithPositiveFigures(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("results.md");
    Harness.Options options =
        Harness.Options.parse(
            "--jobs",
            "200",
            "--workers",
            "4",
            "--work-ms",
            "1",
            "--latency-s",
            "2",
            "--rate",
            "100",
            "--pause-s",
            "0",
            "--out",
            out.toString());
    String table = run(options, out);
    List<String> rows = rows(table);
    List<Peer> peers = Harness.peers(options.nodePeers());
    assertThat(rows).hasSize(peers.size());
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split("\\|");
      assertThat(cells[1].strip()).startsWith(peers.get(i).name());
      boolean ceiling = peers.get(i) instanceof RawSqlPeer;
      for (int c = 2; c <= 11; c++) {
        String cell = cells[c].replaceAll("[%≥²\\s]", "");
        if (ceiling && c >= 8) {
          assertThat(cell).as("column %d of %s", c, cells[1].strip()).isEqualTo("—");
        } else if (c >= 8) {
          assertThat(Double.parseDouble(cell))
              .as("column %d of %s", c, cells[1].strip())
              .isNotNegative();
        } else {
          assertThat(Double.parseDouble(cell))
              .as("column %d of %s", c, cells[1].strip())
              .isPositive();
        }
      }
    }
  }

  @Test
  void roundsGiveEachFigureItsMedianAndSpreadWithRatiosPairedWithinARound(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("rounds.md");
    Harness.Options options =
        Harness.Options.parse(
            "--jobs",
            "200",
            "--workers",
            "4",
            "--latency-s",
            "2",
            "--rate",
            "100",
            "--only",
            "millrace",
            "--rounds",
            "3",
            "--pause-s",
            "0",
            "--out",
            out.toString());
    String table = run(options, out);
    assertThat(table).startsWith("Harness: 3 rounds");
    List<String> rows = rows(table);
    // --only keeps Millrace and the raw-SQL ceiling, every ratio's reference.
    assertThat(rows).hasSize(2);
    String millrace =
        rows.stream().filter(r -> r.startsWith("| Millrace")).findFirst().orElseThrow();
    String[] cells = millrace.split("\\|");
    // Millrace against itself, round by round: every paired ratio is exactly 1.
    assertThat(cells[3].strip()).isEqualTo("1.00 (1.00–1.00)");
    assertThat(cells[5].strip()).isEqualTo("1.00 (1.00–1.00)");
    assertThat(cells[8].strip()).isEqualTo("1.00 (1.00–1.00)");
    for (int c : new int[] {2, 4, 6, 7}) {
      assertThat(cells[c].strip()).as("column %d", c).matches("[0-9,.]+ \\([0-9,.]+–[0-9,.]+\\)");
    }
  }

  /** Runs the harness against the test server; the table it returns is the one it wrote. */
  private static String run(Harness.Options options, Path out) throws Exception {
    String table;
    try (HikariDataSource admin = TestDatabase.pool(TestDatabase.jdbcUrl(), 2)) {
      table = Harness.runAndReport(options, admin, "test server");
    }
    assertThat(Files.readString(out)).isEqualTo(table);
    return table;
  }

  /** The table's rows, one per system. */
  private static List<String> rows(String table) {
    return table
        .lines()
        .filter(line -> line.startsWith("| ") && !line.startsWith("| system"))
        .toList();
  }
}
