package io.millrace.base;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How a method's nullness follows its arguments', for the compile-time nullness check: {@code "_,
 * !null -> !null"} says a non-null second argument gives a non-null result, so a caller that passes
 * a value it knows is there keeps a non-null result without a cast. NullAway reads any annotation
 * named {@code Contract} and trusts it without proof, so each use must be obviously true from its
 * method's first lines.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Contract {
  /** The contract in JetBrains form: one clause per argument, {@code ->}, the result. */
  String value();
}
