package io.millrace.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks the DataSource the node takes its session connections from — the leader lock's session and
 * the LISTEN connection — when the application's own DataSource goes through a transaction pooler
 * (PgBouncer {@code pool_mode = transaction}), which cannot keep a session between transactions.
 * Point it at PostgreSQL itself; it needs only a few long-lived connections (see {@code
 * Millrace.connectionBudget()}).
 *
 * <p>Declare it beside the application's DataSource as a bean that is not a default candidate, so
 * the application's repositories and Millrace's own writes keep using the primary one:
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @MillraceDirectDataSource
 * HikariDataSource millraceDirect() { ... }
 * }</pre>
 *
 * <p>Same as {@code MillraceBuilder.directDataSource}; without it the node uses the application's
 * DataSource for its sessions too, and refuses to start when that one is a transaction pooler.
 */
@Target({
  ElementType.FIELD,
  ElementType.METHOD,
  ElementType.PARAMETER,
  ElementType.TYPE,
  ElementType.ANNOTATION_TYPE
})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier public @interface MillraceDirectDataSource {}
