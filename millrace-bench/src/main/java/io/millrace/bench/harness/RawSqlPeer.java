package io.millrace.bench.harness;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.bench.RawSqlCeiling;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The raw-SQL ceiling ({@link RawSqlCeiling}) at claim batch 100: the fewest statements that do
 * Millrace's lifecycle, in its own schema {@code raw_ceiling}. Its workers each hold one connection
 * (W + 1 in all, within the harness's budget of W + 4). A job counts as completed once its batch's
 * completion has committed, which, if anything, understates the ceiling.
 */
final class RawSqlPeer implements Peer {
  static final int CLAIM_BATCH = 100;

  @Override
  public String name() {
    return "raw SQL (batch " + CLAIM_BATCH + ")";
  }

  @Override
  public Result throughput(DataSource ds, String schema, Settings s, Completions done)
      throws Exception {
    HikariDataSource pool = (HikariDataSource) ds;
    Properties credentials = new Properties();
    credentials.setProperty("user", pool.getUsername());
    credentials.setProperty("password", pool.getPassword());
    RawSqlCeiling ceiling = RawSqlCeiling.on(pool.getJdbcUrl(), credentials);
    try {
      double[] rates =
          ceiling.run(
              s.jobs(), s.workers(), CLAIM_BATCH, s.workMs(), id -> done.record((int) id - 1));
      done.verify();
      return new Result(s.jobs(), rates[0], rates[1]);
    } finally {
      ceiling.dropSchema();
    }
  }

  /**
   * None: the ceiling claims in batches of 100 and bounds throughput; it is not a queue to wait on.
   */
  @Override
  public @Nullable Latency latency(
      DataSource ds, String schema, Settings s, double rate, int seconds) {
    return null;
  }
}
