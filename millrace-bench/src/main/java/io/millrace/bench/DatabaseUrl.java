package io.millrace.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL location given either as {@code postgres://user:pass@host:port/db?params} (the form
 * other systems' benchmark harnesses pass) or as a JDBC URL {@code jdbc:postgresql://host:port/db}
 * (credentials then come from its {@code user}/{@code password} parameters, or the defaults).
 *
 * @param jdbcUrl a JDBC URL without credentials in it when they came from the URI form
 * @param user null when the URL named none (the driver then uses its own default or URL parameter)
 * @param password null when the URL named none
 */
public record DatabaseUrl(String jdbcUrl, @Nullable String user, @Nullable String password) {

  /** Parses {@code url}; {@code variable} names its source in error messages. */
  public static DatabaseUrl parse(String variable, @Nullable String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException(
          variable
              + " is not set: give postgres://user:pass@host:port/db"
              + " or jdbc:postgresql://host:port/db");
    }
    String text = url.strip();
    if (text.startsWith("jdbc:postgresql:")) {
      return new DatabaseUrl(text, null, null);
    }
    if (!(text.startsWith("postgres://") || text.startsWith("postgresql://"))) {
      throw new IllegalArgumentException(
          variable
              + " must start with postgres://, postgresql:// or"
              + " jdbc:postgresql://, got '"
              + redact(text)
              + "'");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(variable + " is not a valid URL: " + e.getReason());
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(variable + " names no host: '" + redact(text) + "'");
    }
    String database =
        uri.getRawPath() == null || uri.getRawPath().length() <= 1
            ? "postgres"
            : decode(uri.getRawPath().substring(1));
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    String host = uri.getHost().contains(":") ? "[" + uri.getHost() + "]" : uri.getHost();
    String jdbc =
        "jdbc:postgresql://"
            + host
            + ":"
            + port
            + "/"
            + database
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String info = uri.getRawUserInfo();
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    return new DatabaseUrl(jdbc, user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URL with any password replaced, for error messages. */
  private static String redact(String url) {
    return url.replaceAll("://([^:/@]*):[^@]*@", "://$1:***@");
  }
}
