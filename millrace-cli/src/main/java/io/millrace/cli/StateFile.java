package io.millrace.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.millrace.base.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * {@code <data-dir>/millrace.json}: written by {@code millrace serve} on an embedded database so
 * that other commands on the same data directory use that server's PostgreSQL instead of trying to
 * start a second one on the same files. Removed on clean shutdown; a file left by a killed server
 * is recognised by its dead pid and ignored.
 *
 * @param jdbcUrl the embedded PostgreSQL (user and password {@code postgres}, localhost only)
 * @param postgresPort the embedded PostgreSQL's port
 * @param httpPort the HTTP server's port
 * @param pid the serving process
 * @param schema the Millrace schema it serves
 */
record StateFile(String jdbcUrl, int postgresPort, int httpPort, long pid, String schema) {
  static final String NAME = "millrace.json";

  static Path path(Path dataDir) {
    return dataDir.resolve(NAME);
  }

  /** The state of a server that is still running on {@code dataDir}, if any. */
  static Optional<StateFile> ofLiveServer(Path dataDir) {
    Path file = path(dataDir);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    StateFile state;
    try {
      state = Json.MAPPER.readValue(Files.readString(file), StateFile.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          file + " is not a Millrace state file (" + e.getOriginalMessage() + "); delete it");
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file, e);
    }
    boolean alive = ProcessHandle.of(state.pid()).map(ProcessHandle::isAlive).orElse(false);
    return alive ? Optional.of(state) : Optional.empty();
  }

  void write(Path dataDir) {
    Path file = path(dataDir);
    try {
      // Write then rename, so a reader never sees half a file.
      Path tmp = Files.createTempFile(dataDir, NAME, ".tmp");
      Files.writeString(tmp, Json.write(this));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }

  static void delete(Path dataDir) {
    try {
      Files.deleteIfExists(path(dataDir));
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + path(dataDir), e);
    }
  }
}
