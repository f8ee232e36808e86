package io.millrace.workflows;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;

/**
 * When a workflow member may run, in terms of its parents. Failed, cancelled and skipped parents
 * all count as unsuccessful. A member whose policy can no longer be met is skipped (it never runs),
 * and its own children see it as an unsuccessful parent, so skips propagate.
 *
 * @param kind all-of, any-of or quorum
 * @param k for {@link Kind#QUORUM}: how many parents must succeed; 0 otherwise
 */
public record JoinPolicy(Kind kind, int k) {
  /** The three joins. */
  public enum Kind {
    /** Every parent must succeed (the default). */
    ALL,
    /** One successful parent is enough; the member runs as soon as the first one succeeds. */
    ANY,
    /** At least k parents must succeed; the member runs as soon as the k-th one does. */
    QUORUM
  }

  public JoinPolicy {
    if (kind == null) {
      throw new ValidationException("join", "must be all, any or quorum");
    }
    if (kind == Kind.QUORUM ? k < 1 : k != 0) {
      throw new ValidationException(
          "join",
          kind == Kind.QUORUM ? "quorum needs k >= 1, got " + k : "k applies to quorum only");
    }
  }

  /** Every parent must succeed (the default). */
  public static JoinPolicy allOf() {
    return new JoinPolicy(Kind.ALL, 0);
  }

  /** One successful parent is enough. */
  public static JoinPolicy anyOf() {
    return new JoinPolicy(Kind.ANY, 0);
  }

  /** At least {@code k} parents must succeed. */
  public static JoinPolicy quorum(int k) {
    return new JoinPolicy(Kind.QUORUM, k);
  }

  /** How many successful parents are needed out of {@code parents}. */
  int needed(int parents) {
    return switch (kind) {
      case ALL -> parents;
      case ANY -> Math.min(1, parents);
      case QUORUM -> k;
    };
  }

  String dbValue() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** {@code all}, {@code any} or {@code quorum(k)}. */
  @Override
  public String toString() {
    return kind == Kind.QUORUM ? "quorum(" + k + ")" : dbValue();
  }

  /** Parses {@code all}, {@code any} or {@code quorum(k)} (the API's and CLI's form). */
  public static JoinPolicy parse(String field, String value) {
    String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
    if (v.equals("all") || v.equals("all-of")) {
      return allOf();
    }
    if (v.equals("any") || v.equals("any-of")) {
      return anyOf();
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("quorum\\((\\d{1,6})\\)").matcher(v);
    if (m.matches()) {
      return quorum(Integer.parseInt(m.group(1)));
    }
    throw new ValidationException(
        field, "'" + Storable.shown(value) + "' is not a join policy; use all, any or quorum(k)");
  }

  static JoinPolicy fromDb(String policy, int needed) {
    return switch (policy) {
      case "all" -> allOf();
      case "any" -> anyOf();
      default -> quorum(needed);
    };
  }
}
