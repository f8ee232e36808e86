package io.millrace;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The core's architecture, stated as rules the build checks. The root package composes the engine
 * ({@code Millrace}, its builder and settings) and nothing depends on it; the capabilities
 * (workflows, backfills, projections) sit on jobs, counts, cluster and health, which sit on sql and
 * schema; {@code base} (exceptions and the rule for storable values) is the leaf every package may
 * use.
 */
class ArchitectureTest {
  static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.millrace");
    // A rule over no classes passes vacuously: make sure the engine itself was imported.
    assertThat(core.contain(Millrace.class)).isTrue();
    assertThat(core.size()).isGreaterThan(100);
  }

  @Test
  void corePackagesHaveNoCycles() {
    slices().matching("io.millrace.(*)..").should().beFreeOfCycles().check(core);
  }

  @Test
  void nothingDependsOnTheRootPackageThatComposesTheEngine() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.millrace")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.millrace")
        .because("the root wires every package, so a dependency back on it is a cycle")
        .check(core);
  }

  @Test
  void layersOnlyReachDownwards() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Engine")
        .definedBy("io.millrace")
        .layer("Capabilities")
        .definedBy(
            "io.millrace.workflows..", "io.millrace.backfills..", "io.millrace.projections..")
        .layer("Foundations")
        .definedBy(
            "io.millrace.jobs..",
            "io.millrace.counts..",
            "io.millrace.cluster..",
            "io.millrace.health..",
            "io.millrace.internal.cluster..")
        .layer("Storage")
        .definedBy("io.millrace.internal.sql..", "io.millrace.schema..")
        .layer("Base")
        .definedBy("io.millrace.base..")
        .whereLayer("Engine")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Capabilities")
        .mayOnlyBeAccessedByLayers("Engine")
        .whereLayer("Foundations")
        .mayOnlyBeAccessedByLayers("Engine", "Capabilities")
        .whereLayer("Storage")
        .mayOnlyBeAccessedByLayers("Engine", "Capabilities", "Foundations")
        .check(core);
  }

  @Test
  void capabilitiesDoNotUseEachOther() {
    List<String> capabilities = List.of("workflows", "backfills", "projections");
    for (String capability : capabilities) {
      String[] others =
          capabilities.stream()
              .filter(c -> !c.equals(capability))
              .map(c -> "io.millrace." + c + "..")
              .toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage("io.millrace." + capability + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .check(core);
    }
  }

  @Test
  void theCoreNeverReachesForTheServerOrTheCli() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.millrace.server..", "io.millrace.cli..", "io.millrace.bench..")
        .check(core);
  }

  @Test
  void instantsNeverPassThroughJavaSqlTimestamp() {
    // java.sql.Timestamp converts with the Julian/Gregorian hybrid calendar: instants before 1582
    // read back shifted by days. Every timestamptz goes through io.millrace.internal.sql.Instants.
    noClasses()
        .should()
        .dependOnClassesThat()
        .areAssignableTo(java.sql.Timestamp.class)
        .check(core);
  }

  @Test
  void publicClassesAreTheListedApiOrItsWiring() {
    io.millrace.testing.PublicApi.publicClassesAreTheApiOrItsWiring().check(core);
  }
}
