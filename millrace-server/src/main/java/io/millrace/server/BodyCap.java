package io.millrace.server;

import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Caps every request body on the bytes actually read, whatever the transfer encoding. {@code
 * Content-Length} alone is no limit: a chunked body declares no length, and would otherwise be read
 * (and parsed) in full. The wrapped stream hands out at most {@code max} bytes; the read that would
 * go past them stops after one more byte and throws 413, so no more than {@code max + 1} bytes of a
 * body are ever taken from the connection.
 */
final class BodyCap implements Filter {
  private final long max;

  BodyCap(long max) {
    this.max = max;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest http) {
      chain.doFilter(new Capped(http, max), response);
    } else {
      chain.doFilter(request, response);
    }
  }

  /** {@code in}, handing out at most {@code max} bytes and taking at most {@code max + 1}. */
  static ServletInputStream cap(ServletInputStream in, long max) {
    return new CappedStream(in, max);
  }

  static HttpResponseException tooLarge(long max) {
    return new HttpResponseException(
        HttpStatus.CONTENT_TOO_LARGE.getCode(),
        "request body is larger than " + max + " bytes",
        Map.of("field", "body"));
  }

  private static final class Capped extends HttpServletRequestWrapper {
    private final long max;
    // Null until the body is first read.
    private @Nullable ServletInputStream stream;

    Capped(HttpServletRequest request, long max) {
      super(request);
      this.max = max;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = cap(super.getInputStream(), max);
      }
      return stream;
    }
  }

  private static final class CappedStream extends ServletInputStream {
    private final ServletInputStream in;
    private final long max;
    private long read;

    CappedStream(ServletInputStream in, long max) {
      this.in = in;
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      // Never ask for more than one byte past the cap, so an oversized body is not drained; while
      // read <= max (else count() has thrown), at least one byte is always allowed.
      int allowed = (int) Math.min(length, max + 1 - read);
      int n = in.read(buffer, offset, allowed);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > max) {
        throw tooLarge(max);
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
