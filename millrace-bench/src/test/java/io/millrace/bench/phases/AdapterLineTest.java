package io.millrace.bench.phases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The driver's reading of adapter stdout lines, as both adapters write them. */
class AdapterLineTest {

  @Test
  void readsTheDescriptor() {
    assertThat(
            AdapterLine.parse(
                "{\"kind\":\"descriptor\",\"system\":\"graphile-worker\",\"event_tables\":"
                    + "[\"graphile_worker._private_jobs\"],\"extensions\":[],\"version\":\"0.17.3\","
                    + "\"schema_version\":\"19\",\"db_name\":\"d\",\"started_at\":\"2026-12-05T16:00:00Z\"}"))
        .contains(
            new AdapterLine.Descriptor(
                "graphile-worker", "0.17.3", "d", List.of("graphile_worker._private_jobs")));
  }

  @Test
  void readsAMetric() {
    assertThat(
            AdapterLine.parse(
                "{\"t\":\"2026-12-05T16:00:05Z\",\"system\":\"millrace\",\"kind\":\"adapter\","
                    + "\"subject_kind\":\"adapter\",\"subject\":\"\",\"metric\":\"claim_p99_ms\","
                    + "\"value\":12.5,\"window_s\":30,\"instance_id\":0}"))
        .contains(
            new AdapterLine.Sample(
                Instant.parse("2026-12-05T16:00:05Z"), "claim_p99_ms", 12.5, 30));
  }

  @Test
  void skipsWhatTheProtocolDoesNotDefine() {
    assertThat(AdapterLine.parse("")).isEmpty();
    assertThat(AdapterLine.parse("{\"kind\":\"something-newer\"}")).isEmpty();
  }

  @Test
  void rejectsABrokenLine() {
    assertThatThrownBy(() -> AdapterLine.parse("not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON line");
    assertThatThrownBy(
            () ->
                AdapterLine.parse(
                    "{\"kind\":\"adapter\",\"metric\":\"x\",\"value\":\"high\",\"t\":\"2026-12-05T16:00:05Z\"}"))
        .hasMessageContaining("numeric value");
  }

  @Test
  void parsesTheDriversOptions() {
    PhaseRun.Options o =
        PhaseRun.Options.parse(
            "--workers",
            "16,64",
            "--rate",
            "5000",
            "--idle-s",
            "0",
            "--adapter",
            "other=./run-other");
    assertThat(o.workerCounts()).containsExactly(16, 64);
    assertThat(o.phases())
        .extracting(PhaseRun.Phase::name)
        .containsExactly("warm-up", "clean", "recovery");
    assertThat(o.adapters().keySet()).containsExactly("millrace", "graphile-worker", "other");
    assertThat(o.order(1)).containsExactly("other", "graphile-worker", "millrace");
    assertThatThrownBy(() -> PhaseRun.Options.parse("--rate", "10", "--depth", "10"))
        .hasMessageContaining("exactly one");
  }
}
