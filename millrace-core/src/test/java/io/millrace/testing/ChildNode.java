package io.millrace.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parent side of {@link WorkerProcess}: starts it as a child JVM on this JVM's class path and kills
 * it with SIGKILL ({@link Process#destroyForcibly()} on Unix), so nothing in the child gets to run:
 * no shutdown hook, no release, no unlock. Its output goes to {@code target/<node>.log}.
 */
public final class ChildNode implements AutoCloseable {
  private final Process process;
  private final String nodeId;

  private ChildNode(Process process, String nodeId) {
    this.process = process;
    this.nodeId = nodeId;
  }

  public static ChildNode start(String schema, String nodeId, Duration maintenanceInterval) {
    return start(
        WorkerProcess.class,
        nodeId,
        TestDatabase.jdbcUrl(),
        schema,
        nodeId,
        Long.toString(maintenanceInterval.toMillis()));
  }

  /**
   * Starts {@code main} (a class with a main method on the test class path) as a child JVM with
   * {@code args}.
   */
  public static ChildNode start(Class<?> main, String nodeId, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      Path logs = Path.of("target", "child-nodes");
      Files.createDirectories(logs);
      File log = logs.resolve(nodeId + ".log").toFile();
      List<String> command =
          new java.util.ArrayList<>(
              List.of(
                  java,
                  "-Xmx256m",
                  "-Duser.timezone=America/Los_Angeles",
                  "-cp",
                  System.getProperty("java.class.path"),
                  main.getName()));
      command.addAll(List.of(args));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
      return new ChildNode(builder.start(), nodeId);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start child node " + nodeId, e);
    }
  }

  /**
   * Starts {@code main} in a child JVM on this class path, with the shared database's JDBC URL as
   * its first argument followed by {@code args}; output to {@code target/child-nodes/<nodeId>.log}.
   */
  public static ChildNode startMain(Class<?> main, String nodeId, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      Path logs = Path.of("target", "child-nodes");
      Files.createDirectories(logs);
      File log = logs.resolve(nodeId + ".log").toFile();
      List<String> command =
          new java.util.ArrayList<>(
              List.of(
                  java,
                  "-Xmx256m",
                  "-Duser.timezone=America/Los_Angeles",
                  "-cp",
                  System.getProperty("java.class.path"),
                  main.getName(),
                  TestDatabase.jdbcUrl()));
      command.addAll(List.of(args));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
      return new ChildNode(builder.start(), nodeId);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start child node " + nodeId, e);
    }
  }

  /**
   * SIGTERM (a graceful stop: shutdown hooks run), then waits for the exit; returns the exit code.
   */
  public int terminate() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("child node " + nodeId + " did not exit within 60 s of SIGTERM");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while stopping " + nodeId, e);
    }
  }

  public String nodeId() {
    return nodeId;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, then waits until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("child node " + nodeId + " did not die after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while killing " + nodeId, e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
