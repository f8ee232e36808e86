package io.millrace.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Stored JSON reads back as it was stored: jsonb keeps every digit, and so must the reader. */
class JsonTreeTest {
  @Test
  void decimalsBeyondADoubleReadBackExactly() {
    // As a double, 1E-324 is 0.0 and 0.1000000000000000000001 is 0.1: both silently different.
    for (String number : new String[] {"1E-324", "0.1000000000000000000001", "7E-396"}) {
      BigDecimal read = Json.tree("{\"a\":" + number + "}").get("a").decimalValue();
      assertThat(read.compareTo(new BigDecimal(number))).as(number).isZero();
    }
  }
}
