package io.millrace.spring;

/**
 * Boot's own auto-configurations that the tests combine with Millrace's, found under their Boot 4
 * name (one module each) or their Boot 3 name (spring-boot-autoconfigure), so the same tests run on
 * both lines ({@code -Pboot3}).
 */
final class BootLine {
  static final Class<?> TRANSACTION_MANAGER =
      either(
          "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
          "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration");
  static final Class<?> TRANSACTIONS =
      either(
          "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
          "org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration");
  static final Class<?> FLYWAY =
      either(
          "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
          "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration");

  static final Class<?> JACKSON =
      either(
          "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
          "org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration");

  /** Boot 4 (one module per auto-configuration), rather than Boot 3. */
  static final boolean BOOT4 =
      present("org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration");

  private BootLine() {}

  private static Class<?> either(String boot4, String boot3) {
    try {
      return Class.forName(present(boot4) ? boot4 : boot3);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("neither " + boot4 + " nor " + boot3 + " is present", e);
    }
  }

  private static boolean present(String name) {
    try {
      Class.forName(name, false, BootLine.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
