package dev.hmd.ops;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The project's pom.xml read as XML: enough to check the jib profile and the names other files share with it. */
final class Pom {

  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

  private final Element project;

  private Pom(Element project) {
    this.project = project;
  }

  static Pom load() {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
      return new Pom(doc.getDocumentElement());
    } catch (Exception e) {
      throw new IllegalStateException("pom.xml does not parse", e);
    }
  }

  Element project() {
    return project;
  }

  Optional<Element> profile(String id) {
    return child(project, "profiles").stream()
      .flatMap(profiles -> children(profiles, "profile").stream())
      .filter(p -> child(p, "id").map(Pom::text).orElse("").equals(id))
      .findFirst();
  }

  /** {@code ${name}} placeholders replaced from the profile's properties, then the project's. */
  String resolve(String value, Element profile) {
    Matcher m = PROPERTY.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String replacement = property(profile, name).or(() -> property(project, name))
        .orElseThrow(() -> new AssertionError("pom.xml has no property " + name));
      m.appendReplacement(out, Matcher.quoteReplacement(resolve(replacement, profile)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static Optional<String> property(Element owner, String name) {
    return child(owner, "properties").flatMap(p -> child(p, name)).map(Pom::text);
  }

  static Optional<Element> child(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
        found.add(e);
      }
    }
    return found;
  }

  /** The element at a path of child names, such as {@code configuration/container/mainClass}. */
  static Optional<Element> path(Element from, String path) {
    Optional<Element> at = Optional.of(from);
    for (String step : path.split("/")) {
      at = at.flatMap(e -> child(e, step));
    }
    return at;
  }

  static String text(Element e) {
    return e.getTextContent().trim();
  }
}
