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
    } catch (Exception e) {
      // Future.await() rethrows checked causes such as BindException unwrapped, hence Exception
      LoggerFactory.getLogger(Startup.class).debug("start-up failed", e);
      String reason = e instanceof java.net.BindException
        ? "a port is already in use (" + e.getMessage()
          + "); choose another with --port or HMD_HTTP_PORT / HMD_SIM_PORT"
        : e.getMessage();
      System.err.println("hmd: cannot start: " + reason);
    }
    return null;
  }
}
