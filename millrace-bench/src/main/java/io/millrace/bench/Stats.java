package io.millrace.bench.phases;

import java.util.List;

/** Median and spread over rounds; NaN values (a figure a round did not have) are left out. */
final class Stats {
  private Stats() {}

  static double median(List<Double> values) {
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

  static double min(List<Double> values) {
    return values.stream()
        .mapToDouble(Double::doubleValue)
        .filter(x -> !Double.isNaN(x))
        .min()
        .orElse(Double.NaN);
  }

  static double max(List<Double> values) {
    return values.stream()
        .mapToDouble(Double::doubleValue)
        .filter(x -> !Double.isNaN(x))
        .max()
        .orElse(Double.NaN);
  }
}
