package io.millrace.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks a DataSource on a hot standby (a read replica) that serves the operators' reads — job
 * lists, counts and queues, workflows, backfills, nodes ({@code Millrace.reads()}, the admin API
 * and the dashboard) — while its lag stays within {@code millrace.max-replica-lag} (default 5s);
 * beyond it, or when the replica fails, they go to the primary. Workers never use it.
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @MillraceReadDataSource
 * HikariDataSource millraceReplica() { ... }
 * }</pre>
 *
 * <p>Same as {@code MillraceBuilder.readDataSource}.
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
@Qualifier public @interface MillraceReadDataSource {}
