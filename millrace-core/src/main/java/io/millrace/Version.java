package io.millrace;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build, written into {@code io/millrace/version.properties} by Maven's
 * resource filtering, so the CLI, the HTTP API document and the dashboard cannot drift from the
 * pom.
 */
final class Version {
  static final String CURRENT = read();

  private Version() {}

  private static String read() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("io/millrace/version.properties is missing from the build");
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version");
      if (version == null || version.isBlank() || version.startsWith("${")) {
        throw new IllegalStateException(
            "io/millrace/version.properties was not filtered by the build: " + version);
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read io/millrace/version.properties", e);
    }
  }
}
