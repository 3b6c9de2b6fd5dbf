package dev.hmd.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs some tests need (promtool, chromium). In CI (the {@code CI} variable set) a
 * missing one fails the test, because .ci/run installs them; elsewhere the test is skipped with a
 * loud message rather than passing silently.
 */
public final class Tools {

  private Tools() {
  }

  public static Path require(String name, String... candidates) {
    Optional<Path> found = find(candidates);
    if (found.isPresent()) {
      return found.get();
    }
    String message = name + " is not installed (looked in " + String.join(", ", candidates) + "); "
      + "install it (apt-get install -y " + name + ") or run .ci/run";
    if (System.getenv("CI") != null) {
      throw new AssertionError(message);
    }
    System.err.println("\n*** SKIPPED: " + message + " ***\n");
    Assumptions.abort(message);
    return null;
  }

  private static Optional<Path> find(String... candidates) {
    for (String candidate : candidates) {
      Path path = Path.of(candidate);
      if (Files.isExecutable(path)) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }
}
