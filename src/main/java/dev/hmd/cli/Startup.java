package dev.hmd.cli;

import dev.hmd.config.Config;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/** Turns a failed start into one clear line for the operator instead of a stack trace. */
final class Startup {

  private Startup() {
  }

  static <T> T run(Supplier<T> start) {
    try {
      return start.get();
    } catch (Config.ConfigException | IllegalArgumentException e) {
      System.err.println("hmd: invalid configuration: " + e.getMessage());
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(Startup.class).debug("start-up failed", e);
      System.err.println("hmd: cannot start: " + e.getMessage());
    }
    return null;
  }
}
