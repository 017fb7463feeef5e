package dev.coproxy.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The arrows between packages point down: no package reaches, directly or through others, back to
 * itself; only {@code app} knows the language drivers; the event-bus addresses and the loop-local
 * hops live in {@code bus}, which depends on no other Coproxy package.
 */
class PackageLayersTest {

  private static JavaClasses all;

  @BeforeAll
  static void load() {
    all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.coproxy");
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("dev.coproxy.(**)").should().beFreeOfCycles().check(all);
  }

  @Test
  void onlyTheWiringKnowsTheDrivers() {
    noClasses().that().resideOutsideOfPackages("dev.coproxy.app..", "dev.coproxy.coprocess.grpc..")
        .should().dependOnClassesThat().resideInAPackage("dev.coproxy.coprocess.grpc..").check(all);
    noClasses().that().resideOutsideOfPackages("dev.coproxy.app..", "dev.coproxy.coprocess.lua..")
        .should().dependOnClassesThat().resideInAPackage("dev.coproxy.coprocess.lua..").check(all);
    noClasses().that().resideOutsideOfPackages("dev.coproxy.app..", "dev.coproxy.coprocess.python..")
        .should().dependOnClassesThat().resideInAPackage("dev.coproxy.coprocess.python..").check(all);
  }

  @Test
  void theBusDependsOnNothingOfOurs() {
    classes().that().resideInAPackage("dev.coproxy.bus..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("dev.coproxy.bus..", "java..", "io.vertx..")
        .check(all);
  }
}
