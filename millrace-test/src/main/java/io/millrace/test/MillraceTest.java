package io.millrace.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a JUnit 5 test class with {@link MillraceExtension}: one PostgreSQL per test JVM (embedded,
 * or the one named by {@code MILLRACE_TEST_DATABASE_URL}), a fresh schema per class with Millrace's
 * tables migrated, and a {@link MillraceTestKit} for it injected into constructors, test methods
 * and lifecycle methods that declare one.
 *
 * <pre>{@code
 * @MillraceTest
 * class WelcomeEmailTest {
 *   @Test
 *   void sendsTheEmail(MillraceTestKit kit) {
 *     Job job = kit.runJob(kit.builder().handler("email.welcome", Email.class, handler),
 *         JobRequest.of("email.welcome", new Email("ada@example.com")));
 *     assertEquals(JobState.COMPLETED, job.state());
 *   }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(MillraceExtension.class)
public @interface MillraceTest {}
