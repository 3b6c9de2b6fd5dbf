package dev.hmd;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/engine.md ("Packages"), checked on the compiled main classes: a change
 * that breaks them fails the build instead of slowly tangling the code.
 */
class ArchitectureTest {

  static final JavaClasses MAIN = new ClassFileImporter()
    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
    .importPackages("dev.hmd");

  @Test
  @DisplayName("no two packages depend on each other, however indirectly")
  void noCycles() {
    slices().matching("dev.hmd.(*)..").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  @DisplayName(
    "slo is pure: the JDK and commons-math's distributions only, no Vert.x, no I/O, no other package of ours")
  void sloIsPure() {
    classes().that().resideInAPackage("dev.hmd.slo..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("dev.hmd.slo..", "java.lang..", "java.util..",
        "java.time..", "java.math..", "org.apache.commons.math3..")
      .check(MAIN);
  }

  @Test
  @DisplayName("the layers point one way: shared infrastructure never reaches up into a feature or a verticle")
  void layers() {
    List<ArchRule> rules = List.of(
      noClasses().that().resideInAnyPackage("dev.hmd.http..", "dev.hmd.db..", "dev.hmd.config..", "dev.hmd.bus..",
          "dev.hmd.events..", "dev.hmd.secrets..", "dev.hmd.cloudflare..", "dev.hmd.slo..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.hmd.tenancy..", "dev.hmd.connections..",
          "dev.hmd.releases..", "dev.hmd.notify..", "dev.hmd.scheduler..", "dev.hmd.observe..", "dev.hmd.deploy..",
          "dev.hmd.api..", "dev.hmd.app..", "dev.hmd.cli..", "dev.hmd.bench..", "dev.hmd.sim.."),
      noClasses().that().resideInAnyPackage("dev.hmd.tenancy..", "dev.hmd.connections..", "dev.hmd.releases..",
          "dev.hmd.notify..", "dev.hmd.scheduler..", "dev.hmd.observe..", "dev.hmd.deploy..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.hmd.api..", "dev.hmd.app..", "dev.hmd.cli..",
          "dev.hmd.bench..", "dev.hmd.sim.."),
      noClasses().that().resideOutsideOfPackages("dev.hmd.cli..", "dev.hmd.bench..", "dev.hmd.sim..", "dev.hmd")
        .should().dependOnClassesThat().resideInAPackage("dev.hmd.sim.."),
      noClasses().that().resideInAnyPackage("dev.hmd.observe..", "dev.hmd.deploy..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.hmd.tenancy..", "dev.hmd.connections..",
          "dev.hmd.releases..", "dev.hmd.notify..", "dev.hmd.scheduler.."));
    rules.forEach(rule -> rule.check(MAIN));
  }

  @Test
  @DisplayName("no two classes of ours share a simple name")
  void uniqueNames() {
    var seen = new java.util.HashMap<String, String>();
    var clashes = new java.util.ArrayList<String>();
    for (var c : MAIN) {
      if (c.isTopLevelClass() && !c.getSimpleName().equals("package-info")) {
        String before = seen.put(c.getSimpleName(), c.getName());
        if (before != null) {
          clashes.add(before + " / " + c.getName());
        }
      }
    }
    org.assertj.core.api.Assertions.assertThat(clashes).isEmpty();
  }
}
