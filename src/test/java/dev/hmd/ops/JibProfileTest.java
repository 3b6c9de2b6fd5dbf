package dev.hmd.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * The container image profile. Its base image lives in a registry these machines cannot reach, so
 * the build itself is not run here; the profile is checked to be well formed and to describe the
 * image the Kubernetes manifests run.
 */
class JibProfileTest {

  static Pom pom;
  static Element profile;
  static Element plugin;

  @BeforeAll
  static void load() {
    pom = Pom.load();
    profile = pom.profile("jib").orElseThrow(() -> new AssertionError("pom.xml has no profile 'jib'"));
    plugin = Pom.path(profile, "build/plugins").stream()
      .flatMap(plugins -> Pom.children(plugins, "plugin").stream())
      .filter(p -> Pom.child(p, "artifactId").map(Pom::text).orElse("").equals("jib-maven-plugin"))
      .findFirst().orElseThrow(() -> new AssertionError("the jib profile has no jib-maven-plugin"));
  }

  private static String config(String path) {
    return Pom.path(plugin, "configuration/" + path).map(Pom::text)
      .map(v -> pom.resolve(v, profile))
      .orElseThrow(() -> new AssertionError("jib configuration has no " + path));
  }

  private static List<String> configList(String path, String item) {
    return Pom.path(plugin, "configuration/" + path).stream()
      .flatMap(e -> Pom.children(e, item).stream()).map(Pom::text).map(v -> pom.resolve(v, profile)).toList();
  }

  @Test
  @DisplayName("the jib profile pins com.google.cloud.tools:jib-maven-plugin 3.4.x or 3.5.x")
  void pluginCoordinates() {
    assertThat(Pom.child(plugin, "groupId").map(Pom::text)).contains("com.google.cloud.tools");
    assertThat(Pom.child(plugin, "version").map(Pom::text).orElse("")).matches("3\\.[45]\\.\\d+");
  }

  @Test
  @DisplayName("the image starts from eclipse-temurin:17-jre and is named by the hmd.image property")
  void images() {
    assertThat(config("from/image")).isEqualTo("eclipse-temurin:17-jre");
    assertThat(Pom.path(plugin, "configuration/to/image").map(Pom::text)).contains("${hmd.image}");
    // registry/repository:tag, the tag pinned so a Deployment names one build
    assertThat(config("to/image")).matches("[a-z0-9.-]+(:\\d+)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+");
  }

  @Test
  @DisplayName("the container runs dev.hmd.Main serve on port 8080 as a numeric non-root user")
  void container() throws Exception {
    String mainClass = config("container/mainClass");
    assertThat(mainClass).isEqualTo("dev.hmd.Main");
    assertThat(Class.forName(mainClass).getMethod("main", String[].class)).isNotNull();
    assertThat(configList("container/args", "arg")).containsExactly("serve");
    assertThat(configList("container/ports", "port")).containsExactly("8080");
    String user = config("container/user");
    assertThat(user).matches("\\d+(:\\d+)?");
    assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
  }

  @Test
  @DisplayName("the profile is not active by default: a plain build needs no registry")
  void notActiveByDefault() {
    Optional<Element> activation = Pom.child(profile, "activation");
    assertThat(activation).isEmpty();
  }

  /** The image name the pom builds, for the Kubernetes checks. */
  static String imageName() {
    Pom p = Pom.load();
    Element jib = p.profile("jib").orElseThrow();
    return p.resolve("${hmd.image}", jib);
  }

  /** The uid the image runs as. */
  static int imageUid() {
    Pom p = Pom.load();
    Element jib = p.profile("jib").orElseThrow();
    Element container = Pom.path(jib, "build/plugins").stream()
      .flatMap(plugins -> Pom.children(plugins, "plugin").stream())
      .map(pl -> Pom.path(pl, "configuration/container/user")).flatMap(Optional::stream).findFirst().orElseThrow();
    return Integer.parseInt(Pom.text(container).split(":")[0]);
  }
}
