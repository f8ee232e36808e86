package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Keeps the published Maven shape what an application relies on: the BOM names every library module
 * and nothing else, and every published pom carries the same home, licence, developers and scm
 * coordinates.
 *
 * <p>The BOM cannot inherit these from the parent (the parent's dependencyManagement would leak
 * third-party versions into every importer), so it repeats them; this test is what keeps the copy
 * true.
 */
class PublishedShapeTest {
  private static final Path ROOT = root();

  /** Reactor modules that are not libraries an application depends on. */
  private static final Set<String> UNPUBLISHED =
      Set.of("millrace-bench", "millrace-bom", "examples/spring-boot");

  private static final List<String> SHARED_METADATA =
      List.of("url", "licenses", "developers", "scm");

  @Test
  void theBomManagesEveryLibraryModuleAtTheBuildsVersionAndNothingElse() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    Element bom = pom(ROOT.resolve("millrace-bom/pom.xml"));

    Set<String> libraries = new TreeSet<>();
    for (Element module : children(child(parent, "modules"), "module")) {
      if (!UNPUBLISHED.contains(module.getTextContent().trim())) {
        libraries.add(module.getTextContent().trim());
      }
    }
    assertThat(libraries).contains("millrace-core", "millrace-server", "millrace-cli");
    assertThat(children(child(parent, "modules"), "module"))
        .extracting(m -> m.getTextContent().trim())
        .contains("millrace-bom");

    Set<String> managed = new TreeSet<>();
    for (Element d : children(child(child(bom, "dependencyManagement"), "dependencies"), "")) {
      assertThat(text(d, "groupId")).as("a BOM entry's groupId").isEqualTo("io.millrace");
      assertThat(text(d, "version")).as(text(d, "artifactId")).isEqualTo("${project.version}");
      assertThat(child(d, "scope")).as("BOM entries are plain dependencies").isNull();
      managed.add(text(d, "artifactId"));
    }
    assertThat(managed).isEqualTo(libraries);
    assertThat(text(bom, "version")).isEqualTo(text(parent, "version"));
    assertThat(text(bom, "groupId")).isEqualTo(text(parent, "groupId"));
    assertThat(text(bom, "packaging")).isEqualTo("pom");
  }

  @Test
  void theBomInheritsNothingThatCouldPinAThirdPartyVersion() throws Exception {
    Element bom = pom(ROOT.resolve("millrace-bom/pom.xml"));
    assertThat(child(bom, "parent")).as("the BOM's parent").isNull();
    assertThat(child(bom, "dependencies")).isNull();
    assertThat(children(child(bom, "properties"), ""))
        .extracting(Node::getNodeName)
        .containsExactly("millrace.home");
  }

  @Test
  void theBomCarriesTheParentsMetadataVerbatim() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    Element bom = pom(ROOT.resolve("millrace-bom/pom.xml"));
    assertThat(metadata(bom)).isEqualTo(metadata(parent));
    assertThat(text(child(bom, "properties"), "millrace.home"))
        .isEqualTo(text(child(parent, "properties"), "millrace.home"))
        .startsWith("https://");
  }

  @Test
  void theBomPinsTheParentsPluginVersions() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    Element bom = pom(ROOT.resolve("millrace-bom/pom.xml"));
    Map<String, String> parentPlugins = new LinkedHashMap<>();
    Element parentBuild = child(parent, "build");
    for (Element list :
        List.of(
            child(parentBuild, "plugins"),
            child(child(parentBuild, "pluginManagement"), "plugins"))) {
      for (Element plugin : children(list, "plugin")) {
        if (child(plugin, "version") != null) { // else pinned in pluginManagement
          parentPlugins.put(text(plugin, "artifactId"), resolve(parent, text(plugin, "version")));
        }
      }
    }
    Element bomBuild = child(bom, "build");
    List<Element> pinned = new ArrayList<>(children(child(bomBuild, "plugins"), "plugin"));
    pinned.addAll(children(child(child(bomBuild, "pluginManagement"), "plugins"), "plugin"));
    assertThat(pinned).isNotEmpty();
    for (Element plugin : pinned) {
      assertThat(text(plugin, "version"))
          .as(text(plugin, "artifactId"))
          .isEqualTo(parentPlugins.get(text(plugin, "artifactId")));
    }
  }

  @Test
  void modulesInheritTheHomeAndScmWithoutTheirArtifactIdAppended() throws Exception {
    Element parent = pom(ROOT.resolve("pom.xml"));
    assertThat(text(parent, "url")).isEqualTo("${millrace.home}");
    assertThat(parent.getAttribute("child.project.url.inherit.append.path")).isEqualTo("false");
    Element scm = child(parent, "scm");
    for (String part : List.of("connection", "developerConnection", "url")) {
      assertThat(text(scm, part)).as("scm " + part).contains("${millrace.home}");
      assertThat(scm.getAttribute("child.scm." + part + ".inherit.append.path"))
          .as("scm " + part)
          .isEqualTo("false");
    }
    for (Element module : children(child(parent, "modules"), "module")) {
      Element pom = pom(ROOT.resolve(module.getTextContent().trim()).resolve("pom.xml"));
      assertThat(text(pom, "description"))
          .as(module.getTextContent() + " description")
          .isNotBlank();
      if (child(pom, "parent") != null) {
        for (String name : SHARED_METADATA) {
          assertThat(child(pom, name)).as(module.getTextContent() + " overrides " + name).isNull();
        }
      }
    }
  }

  @Test
  void theReadmeImportsTheBomAtTheBuildsVersion() throws Exception {
    String version = text(pom(ROOT.resolve("pom.xml")), "version");
    String readme = Files.readString(ROOT.resolve("README.md"));
    List<String> written = new ArrayList<>();
    Matcher m =
        Pattern.compile(
                "millrace-bom</artifactId>\\s*<version>([^<]+)</version>|millrace-bom:([^\"]+)\"")
            .matcher(readme);
    while (m.find()) {
      written.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    assertThat(written).as("BOM versions in README.md").hasSize(2).containsOnly(version);
  }

  /** A version as written, or the value of the property it names. */
  private static String resolve(Element pom, String version) {
    if (version.startsWith("${") && version.endsWith("}")) {
      return text(child(pom, "properties"), version.substring(2, version.length() - 1));
    }
    return version;
  }

  /** The shared elements with whitespace collapsed, so layout differences do not count. */
  private static Map<String, String> metadata(Element pom) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : SHARED_METADATA) {
      Element e = child(pom, name);
      assertThat(e).as(name).isNotNull();
      values.put(name, e.getTextContent().replaceAll("\\s+", " ").trim());
    }
    return values;
  }

  private static Element pom(Path file) throws Exception {
    assertThat(file).exists();
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(file.toFile())
        .getDocumentElement();
  }

  private static Element child(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? null : found.get(0);
  }

  /** Direct child elements named {@code name}, or all of them for an empty name. */
  private static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    if (parent == null) {
      return found;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && (name.isEmpty() || e.getNodeName().equals(name))) {
        found.add(e);
      }
    }
    return found;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    assertThat(e).as(parent.getNodeName() + "/" + name).isNotNull();
    return e.getTextContent().trim();
  }

  private static Path root() {
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
