package io.millrace.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.base.MillraceException;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The version check over generated server versions, in both numbering schemes PostgreSQL used. */
class PostgresVersionProperties {
  /** From 10 on, server_version_num is major * 10000 + minor. */
  @Property(tries = 200)
  void aServerIsAcceptedExactlyWhenItsMajorIsThirteenOrNewer(
      @ForAll @IntRange(min = 10, max = 99) int major,
      @ForAll @IntRange(min = 0, max = 99) int minor) {
    String version = major + "." + minor;
    String versionNum = Integer.toString(major * 10_000 + minor);
    assertThat(PostgresVersion.major(version, versionNum)).isEqualTo(major);
    if (major >= 13) {
      assertThatCode(() -> PostgresVersion.requireSupported(version, versionNum))
          .doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> PostgresVersion.requireSupported(version, versionNum))
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining("PostgreSQL " + version + " is too old")
          .hasMessageContaining("needs PostgreSQL 13 or newer");
    }
  }

  /** Before 10, server_version_num was major * 10000 + minor * 100 + patch (9.6.24 is 90624). */
  @Property(tries = 100)
  void everyOldStyleVersionIsRefused(
      @ForAll @IntRange(min = 7, max = 9) int major,
      @ForAll @IntRange(min = 0, max = 6) int minor,
      @ForAll @IntRange(min = 0, max = 30) int patch) {
    String version = major + "." + minor + "." + patch;
    String versionNum = Integer.toString(major * 10_000 + minor * 100 + patch);
    assertThatThrownBy(() -> PostgresVersion.requireSupported(version, versionNum))
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("PostgreSQL " + version + " is too old");
  }

  /** Whatever a server reports that is not a version number fails with Millrace's message. */
  @Property(tries = 100)
  void anythingElseIsAClearRefusal(@ForAll String reported) {
    Assume.that(!reported.strip().matches("[0-9]{5,7}")); // version numbers: covered above
    assertThatThrownBy(() -> PostgresVersion.requireSupported("?", reported))
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("could not read the PostgreSQL server version");
  }
}
