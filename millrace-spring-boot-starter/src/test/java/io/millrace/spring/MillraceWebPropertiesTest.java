package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** A refused millrace.web.* value fails start-up naming the property. */
class MillraceWebPropertiesTest {
  private static final TestDatabase db = TestDatabase.create("spring_web_properties");

  @AfterAll
  static void closePool() {
    db.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "millrace.web.path=/ | millrace.web.path",
        "millrace.web.path=millrace | millrace.web.path",
        "millrace.web.path=/millrace/ | millrace.web.path",
        "millrace.web.path=/a b | millrace.web.path",
        "millrace.web.path=/ops/*/millrace | millrace.web.path",
        "millrace.web.mode=sometimes | millrace.web.mode",
        "millrace.web.max-body-size=10B | millrace.web.max-body-size"
      })
  void aRefusedValueNamesItsProperty(String setting, String property) {
    new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MillraceAutoConfiguration.class, MillraceWebAutoConfiguration.class))
        .withUserConfiguration(TestDataSource.class)
        .withPropertyValues("millrace.schema=" + db.schema(), "millrace.migrate=false", setting)
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure()).hasStackTraceContaining(property);
            });
  }
}
