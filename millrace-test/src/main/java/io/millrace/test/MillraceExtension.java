package io.millrace.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link MillraceTest} (usable directly with
 * {@code @ExtendWith(MillraceExtension.class)}). Each test class gets its own {@link
 * MillraceTestKit}: a fresh schema, migrated before the class's first test (or constructor) and
 * dropped, with its connection pool closed, after the class. Nested classes get a schema of their
 * own.
 *
 * <p>The PostgreSQL server is shared by every class of the test JVM: the one at {@code
 * MILLRACE_TEST_DATABASE_URL} (a system property or an environment variable, a JDBC URL carrying
 * its user and password) when set, otherwise an embedded PostgreSQL started on first use and
 * stopped when the JVM exits.
 */
public final class MillraceExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(MillraceExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    kit(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MillraceTestKit.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return kit(context);
  }

  /** The kit of the class {@code context} belongs to, created on first use. */
  private static MillraceTestKit kit(ExtensionContext context) {
    ExtensionContext owner = context;
    while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
      owner = owner.getParent().get();
    }
    Class<?> testClass = owner.getRequiredTestClass();
    ClassKit holder =
        owner
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                testClass, c -> new ClassKit(MillraceTestKit.create(testClass)), ClassKit.class);
    return holder.kit;
  }

  /** Closed by JUnit when the class's context ends. */
  private static final class ClassKit implements ExtensionContext.Store.CloseableResource {
    final MillraceTestKit kit;

    ClassKit(MillraceTestKit kit) {
      this.kit = kit;
    }

    @Override
    public void close() {
      kit.close();
    }
  }
}
