package io.millrace.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.millrace.testing.PublicApi;
import org.junit.jupiter.api.Test;

/** The server is a client of Millrace's public API, like any application. */
class ServerUsesPublicApiTest {
  @Test
  void reachesTheCoreOnlyThroughThePublicApi() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.millrace.server");
    PublicApi.usedOnlyThroughTheApiBy("io.millrace.server").check(classes);
  }
}
