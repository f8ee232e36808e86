package io.millrace.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.millrace.base.MillraceException;
import io.millrace.server.ApiJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints command results: JSON (the admin API's shape) or an aligned plain-text table. */
final class Output {
  private Output() {}

  static void json(PrintWriter out, Object value) {
    try {
      out.println(ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new MillraceException("could not print JSON", e);
    }
  }

  /** Columns padded to their widest cell. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(
            i == row.size() - 1
                ? row.get(i)
                : String.format("%-" + (width[i] + 2) + "s", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
