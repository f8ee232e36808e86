package io.millrace.bench;

import java.util.List;
import java.util.Locale;

/**
 * Median and spread over a benchmark's rounds; NaN values (a figure a round did not have) are left
 * out.
 */
public final class Stats {
  private Stats() {}

  public static double median(List<Double> values) {
    double[] v =
        values.stream()
            .mapToDouble(Double::doubleValue)
            .filter(x -> !Double.isNaN(x))
            .sorted()
            .toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  public static double min(List<Double> values) {
    return values.stream()
        .mapToDouble(Double::doubleValue)
        .filter(x -> !Double.isNaN(x))
        .min()
        .orElse(Double.NaN);
  }

  public static double max(List<Double> values) {
    return values.stream()
        .mapToDouble(Double::doubleValue)
        .filter(x -> !Double.isNaN(x))
        .max()
        .orElse(Double.NaN);
  }

  /**
   * "median (lowest–highest)" with {@code digits} decimals, or the one value, or "–" when no round
   * had the figure.
   */
  public static String spread(List<Double> values, int digits) {
    double median = median(values);
    if (Double.isNaN(median)) {
      return "–";
    }
    String format = "%,." + digits + "f";
    String m = String.format(Locale.ROOT, format, median);
    long present = values.stream().filter(v -> !Double.isNaN(v)).count();
    if (present < 2) {
      return m;
    }
    return m
        + String.format(Locale.ROOT, " (" + format + "–" + format + ")", min(values), max(values));
  }
}
