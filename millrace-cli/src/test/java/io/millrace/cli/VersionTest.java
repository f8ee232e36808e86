package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One version string, from the build: {@code --version} prints what the core's build wrote. */
class VersionTest {
  @Test
  void theVersionComesFromTheBuild() {
    // Filtered by Maven from the pom's version: never a placeholder, never a literal in the code.
    assertThat(Millrace.version()).matches("\\d+\\.\\d+\\.\\d+(-[A-Za-z0-9.]+)?");

    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new MillraceCli());
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("--version")).isZero();
    assertThat(out.toString().strip()).isEqualTo("millrace " + Millrace.version());
  }
}
