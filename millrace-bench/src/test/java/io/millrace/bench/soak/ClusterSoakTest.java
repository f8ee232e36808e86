package io.millrace.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The soak's short version: three node JVMs through a real PgBouncer in transaction mode for thirty
 * seconds of mixed load, a node and then the leader killed with SIGKILL and restarted, and every
 * invariant of the long run verified at quiescence (nothing lost, no attempt run twice, each cron
 * tick once, backfill and projection exactly once, counts without drift, connections within
 * budget). Without PgBouncer it is skipped, unless {@code MILLRACE_PGBOUNCER_REQUIRED=true} (as in
 * CI), where it fails.
 */
class ClusterSoakTest {
  @Test
  void threeNodesThroughPgBouncerKeepEveryInvariantAcrossKills() throws Exception {
    boolean required =
        Boolean.getBoolean("millrace.pgbouncer.required")
            || "true".equalsIgnoreCase(System.getenv("MILLRACE_PGBOUNCER_REQUIRED"));
    if (!required) {
      Assumptions.assumeTrue(Bouncer.installed(), "pgbouncer is not installed");
    }
    ClusterSoak.Result result =
        ClusterSoak.run(
            ClusterSoak.Options.parse(
                "--nodes",
                "3",
                "--duration",
                "30",
                "--kill-every",
                "12",
                "--rate",
                "30",
                "--rows",
                "30000"),
            Path.of("target", "soak-nodes"));
    System.out.println(result.table());
    assertThat(result.failures()).isEmpty();
    assertThat(result.figures().get("kills (SIGKILL, restarted)"))
        .startsWith("2: ")
        .contains("(leader)");
    assertThat(Long.parseLong(result.figures().get("jobs enqueued"))).isPositive();
  }
}
