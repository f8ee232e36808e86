package io.millrace.spring;

import io.millrace.MillraceBuilder;
import io.millrace.base.ValidationException;
import io.millrace.jobs.Backoff;
import io.millrace.jobs.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Turns {@code millrace.backoff}, {@code millrace.retry} and {@code millrace.kinds.<kind>.retry}
 * into the node's retry policies. A kind's policy starts from the node's: what the kind leaves
 * unset (max attempts, the non-retryable list, each backoff value) is the node's. Exception class
 * names are loaded at start, so a typo refuses start-up with the property's name instead of never
 * matching.
 */
final class RetrySettings {
  private RetrySettings() {}

  static void apply(MillraceProperties p, MillraceBuilder b) {
    Backoff nodeBackoff = backoff("millrace.backoff", p.getBackoff(), Backoff.DEFAULT);
    RetryPolicy node =
        policy("millrace.retry", p.getRetry(), RetryPolicy.DEFAULT.withBackoff(nodeBackoff));
    b.retryPolicy(node);
    for (Map.Entry<String, MillraceProperties.Kind> e : p.getKinds().entrySet()) {
      String prefix = "millrace.kinds" + MillraceFactory.key(e.getKey());
      MillraceProperties.KindRetry retry = e.getValue().getRetry();
      Backoff kindBackoff = backoff(prefix + ".retry.backoff", retry.getBackoff(), nodeBackoff);
      RetryPolicy policy = policy(prefix + ".retry", retry, node.withBackoff(kindBackoff));
      try {
        b.retryPolicy(e.getKey(), policy);
      } catch (ValidationException ex) {
        throw MillraceFactory.invalid(prefix, e.getKey(), ex);
      }
    }
  }

  private static RetryPolicy policy(
      String prefix, MillraceProperties.Retry p, RetryPolicy inherited) {
    RetryPolicy policy = inherited;
    Integer maxAttempts = p.getMaxAttempts();
    if (maxAttempts != null) {
      try {
        policy = policy.withMaxAttempts(maxAttempts);
      } catch (ValidationException e) {
        throw MillraceFactory.invalid(prefix + ".max-attempts", maxAttempts, e);
      }
    }
    List<String> names = p.getNonRetryable();
    if (names != null) {
      policy = policy.withNonRetryable(exceptionTypes(prefix + ".non-retryable", names));
    }
    return policy;
  }

  private static List<Class<? extends Throwable>> exceptionTypes(
      String property, List<String> names) {
    ClassLoader loader = ClassUtils.getDefaultClassLoader();
    List<Class<? extends Throwable>> types = new ArrayList<>();
    for (String raw : names) {
      String name = raw.strip();
      Class<?> type;
      try {
        type = ClassUtils.forName(name, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new InvalidConfigurationPropertyValueException(
            property, name, "no such class on the application's class path");
      }
      if (!Throwable.class.isAssignableFrom(type)) {
        throw new InvalidConfigurationPropertyValueException(
            property, name, "is not an exception type (a subclass of Throwable)");
      }
      types.add(type.asSubclass(Throwable.class));
    }
    return types;
  }

  /** The backoff under {@code prefix}, its unset values taken from {@code inherited}. */
  static Backoff backoff(String prefix, MillraceProperties.Backoff p, Backoff inherited) {
    Duration fixed = p.getFixed();
    if (fixed != null) {
      if (p.getBase() != null
          || p.getMax() != null
          || p.getFactor() != null
          || p.getJitter() != null) {
        throw new InvalidConfigurationPropertyValueException(
            prefix + ".fixed",
            fixed,
            "give either a fixed wait or base, factor, max and jitter, not both");
      }
      try {
        return Backoff.fixed(fixed);
      } catch (ValidationException e) {
        throw MillraceFactory.invalid(prefix + ".fixed", fixed, e);
      }
    }
    if (p.getBase() == null
        && p.getMax() == null
        && p.getFactor() == null
        && p.getJitter() == null) {
      return inherited;
    }
    Duration base = p.getBase() == null ? inherited.base() : p.getBase();
    double factor = p.getFactor() == null ? inherited.factor() : p.getFactor();
    Duration max = p.getMax() == null ? inherited.max() : p.getMax();
    double jitter = p.getJitter() == null ? inherited.jitter() : p.getJitter();
    try {
      return Backoff.exponential(base, factor, max, jitter);
    } catch (ValidationException e) {
      String value = e.field().startsWith("backoff.") ? e.field().substring(8) : "base";
      // A refusal of a value the user left unset (a max below a base they raised) is the set one's.
      if (valueOf(p, value) == null) {
        value = p.getBase() != null ? "base" : p.getMax() != null ? "max" : "factor";
      }
      throw MillraceFactory.invalid(prefix + "." + value, valueOf(p, value), e);
    }
  }

  private static @Nullable Object valueOf(MillraceProperties.Backoff p, String value) {
    return switch (value) {
      case "base" -> p.getBase();
      case "max" -> p.getMax();
      case "factor" -> p.getFactor();
      case "jitter" -> p.getJitter();
      default -> null;
    };
  }
}
