package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation honest: README.md and docs/*.md link only to what exists, their Java
 * examples are code the tests run, no file cites a document outside the repository, and the README
 * stays a front door.
 *
 * <p>The rule for Java examples: a ```java block is compared with test sources after removing
 * comments and all whitespace outside string literals (so google-java-format's line breaks and the
 * example's aligned comments do not matter). A block is split into its top-level statements, and
 * each must appear, in the block's order, in one test source under millrace-*&#47;src/test/java or
 * one source of an example module under examples/ (built and run by its own tests). Test
 * scaffolding between statements (assertions, a database of the test's own) is the only elision
 * allowed; within a statement every token must match.
 */
class DocsTest {
  private static final Path ROOT = repositoryRoot();
  private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern FENCE =
      Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```", Pattern.DOTALL);

  @Test
  void relativeLinksResolveToFilesAndHeadings() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path doc : docs()) {
      String text = withoutFences(read(doc));
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("[a-z]+:.*")) {
          continue; // http:, https:, mailto: are not files of the repository
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(ROOT.relativize(doc) + ": " + target + " (no such file)");
        } else if (anchor != null && !anchors(resolved).contains(anchor)) {
          broken.add(ROOT.relativize(doc) + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void everyJavaExampleIsCodeATestRuns() throws IOException {
    List<String> sources = new ArrayList<>();
    for (Path dir : exampleSourceDirectories()) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          sources.add(normalise(read(f)));
        }
      }
    }
    assertThat(sources).isNotEmpty();
    List<String> missing = new ArrayList<>();
    int blocks = 0;
    for (Path doc : docs()) {
      Matcher m = FENCE.matcher(read(doc));
      while (m.find()) {
        if (!m.group(1).equals("java")) {
          continue;
        }
        blocks++;
        List<String> statements = statements(normalise(m.group(2)));
        if (sources.stream().noneMatch(s -> containsInOrder(s, statements))) {
          missing.add(ROOT.relativize(doc) + ":\n" + m.group(2));
        }
      }
    }
    assertThat(blocks).as("java examples found").isGreaterThanOrEqualTo(4);
    assertThat(missing).as("java examples not found in any test source").isEmpty();
  }

  @Test
  void noFileCitesDocumentsOutsideTheRepository() throws Exception {
    List<String> offending = new ArrayList<>();
    for (String file : trackedFiles()) {
      Path path = ROOT.resolve(file);
      if (!Files.isRegularFile(path) || file.endsWith("DocsTest.java")) {
        continue; // this test names the forbidden strings itself
      }
      String text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
      if (text.contains("DESIGN" + ".md") || text.contains("../" + "shared")) {
        offending.add(file);
      }
    }
    assertThat(offending).isEmpty();
  }

  @Test
  void theReadmeIsAFrontDoor() throws IOException {
    assertThat(Files.readAllLines(ROOT.resolve("README.md"))).hasSizeLessThanOrEqualTo(250);
  }

  @Test
  void normalisingKeepsStringsAndDropsComments() {
    assertThat(normalise("a( \"x  // y\" ) ; // gone\n /* gone */ b();"))
        .isEqualTo("a(\"x  // y\");b();");
    assertThat(statements("a(x);try(c){d;}e(\"{;\");"))
        .containsExactly("a(x);", "try(c){d;}", "e(\"{;\");");
    assertThat(containsInOrder("a(x);zz;try(c){d;}", List.of("a(x);", "try(c){d;}"))).isTrue();
    assertThat(containsInOrder("try(c){d;}a(x);", List.of("a(x);", "try(c){d;}"))).isFalse();
  }

  /**
   * Where a documented example may live: the test sources of every millrace-* module, and the main
   * and test sources of every module under examples/, whose main code its own tests run.
   */
  private static List<Path> exampleSourceDirectories() throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules
          .filter(p -> p.getFileName().toString().startsWith("millrace-"))
          .sorted()
          .forEach(m -> dirs.add(m.resolve("src/test/java")));
    }
    Path examples = ROOT.resolve("examples");
    if (Files.isDirectory(examples)) {
      try (Stream<Path> modules = Files.list(examples)) {
        for (Path m : modules.sorted().toList()) {
          dirs.add(m.resolve("src/main/java"));
          dirs.add(m.resolve("src/test/java"));
        }
      }
    }
    return dirs.stream().filter(Files::isDirectory).toList();
  }

  private static List<Path> docs() throws IOException {
    List<Path> docs = new ArrayList<>();
    docs.add(ROOT.resolve("README.md"));
    Path dir = ROOT.resolve("docs");
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
      }
    }
    return docs;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
  private static Set<String> anchors(Path file) throws IOException {
    Set<String> anchors = new HashSet<>();
    if (!file.toString().endsWith(".md")) {
      return anchors;
    }
    for (String line : withoutFences(read(file)).split("\n")) {
      if (line.startsWith("#")) {
        String heading = line.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT);
        anchors.add(heading.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }

  private static String withoutFences(String text) {
    return FENCE.matcher(text).replaceAll("");
  }

  /** The code without comments and without whitespace outside string and char literals. */
  static String normalise(String code) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < code.length()) {
      char c = code.charAt(i);
      if (c == '"' || c == '\'') {
        int end = i + 1;
        while (end < code.length() && code.charAt(end) != c) {
          end += code.charAt(end) == '\\' ? 2 : 1;
        }
        out.append(code, i, Math.min(end + 1, code.length()));
        i = end + 1;
      } else if (code.startsWith("//", i)) {
        int end = code.indexOf('\n', i);
        i = end < 0 ? code.length() : end;
      } else if (code.startsWith("/*", i)) {
        int end = code.indexOf("*/", i + 2);
        i = end < 0 ? code.length() : end + 2;
      } else {
        if (!Character.isWhitespace(c)) {
          out.append(c);
        }
        i++;
      }
    }
    return out.toString();
  }

  /**
   * Top-level statements of normalised code: a statement ends at a ';' or at a '}' that closes its
   * outermost block, unless the code goes on with catch, finally, else, or an operator.
   */
  static List<String> statements(String code) {
    List<String> statements = new ArrayList<>();
    int depth = 0;
    int start = 0;
    int i = 0;
    while (i < code.length()) {
      char c = code.charAt(i);
      if (c == '"' || c == '\'') {
        int end = i + 1;
        while (end < code.length() && code.charAt(end) != c) {
          end += code.charAt(end) == '\\' ? 2 : 1;
        }
        i = end + 1;
        continue;
      }
      if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if (c == ')' || c == '}' || c == ']') {
        depth--;
      }
      i++;
      boolean end =
          depth == 0
              && (c == ';'
                  || (c == '}'
                      && !code.startsWith("catch", i)
                      && !code.startsWith("finally", i)
                      && !code.startsWith("else", i)
                      && (i == code.length() || ";),.".indexOf(code.charAt(i)) < 0)));
      if (end) {
        statements.add(code.substring(start, i));
        start = i;
      }
    }
    if (start < code.length()) {
      statements.add(code.substring(start));
    }
    return statements;
  }

  static boolean containsInOrder(String source, List<String> statements) {
    int from = 0;
    for (String statement : statements) {
      int at = source.indexOf(statement, from);
      if (at < 0) {
        return false;
      }
      from = at + statement.length();
    }
    return true;
  }

  private static List<String> trackedFiles() throws Exception {
    Process git =
        new ProcessBuilder("git", "ls-files", "-z")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(git.waitFor()).as("git ls-files: " + out).isZero();
    List<String> files = new ArrayList<>();
    for (String f : out.split("\0")) {
      if (!f.isEmpty()) {
        files.add(f);
      }
    }
    assertThat(files).contains("README.md");
    return files;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
