package io.millrace.testing;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A DataSource that hands every call to another one. Tests that watch or refuse connections
 * (counting how many a node holds, refusing the notifier's, recording who asked) extend it and
 * override {@link #getConnection()} alone; the rest of the interface stays in one place.
 */
public class ForwardingDataSource implements DataSource {
  private final @Nullable DataSource delegate;

  /**
   * @param delegate where calls go; null for a source whose {@link #getConnection()} never reaches
   *     it (a test that only records callers)
   */
  public ForwardingDataSource(@Nullable DataSource delegate) {
    this.delegate = delegate;
  }

  protected final DataSource delegate() throws SQLException {
    if (delegate == null) {
      throw new SQLException("this test's DataSource has no database behind it");
    }
    return delegate;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return delegate().getConnection();
  }

  /** Tests connect with the delegate's own credentials: a user and password go nowhere else. */
  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return getConnection();
  }

  @Override
  public @Nullable PrintWriter getLogWriter() throws SQLException {
    return delegate == null ? null : delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    if (delegate != null) {
      delegate.setLogWriter(out);
    }
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    if (delegate != null) {
      delegate.setLoginTimeout(seconds);
    }
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate == null ? 0 : delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() {
    return Logger.getLogger("io.millrace.testing");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    return delegate().unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || (delegate != null && delegate.isWrapperFor(iface));
  }
}
