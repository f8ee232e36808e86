package io.millrace.spring;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.millrace.testing.PublicApi;
import org.junit.jupiter.api.Test;

/** The starter is a client of Millrace's public API, like any application. */
class StarterUsesPublicApiTest {
  @Test
  void reachesTheCoreOnlyThroughThePublicApi() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.millrace.spring");
    PublicApi.usedOnlyThroughTheApiBy("io.millrace.spring").check(classes);
  }
}
