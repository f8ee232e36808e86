package io.millrace.test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.millrace.testing.PublicApi;
import org.junit.jupiter.api.Test;

/** The test kit is a client of the core's public API, like any application. */
class ArchitectureTest {
  private static final JavaClasses KIT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.millrace.test");

  @Test
  void usesTheCoreOnlyThroughItsPublicApi() {
    PublicApi.usedOnlyThroughTheApiBy("io.millrace.test").check(KIT);
  }
}
