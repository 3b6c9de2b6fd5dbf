package dev.hmd.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads typed settings out of environment variables, the one parser of them: a blank variable is
 * unset, and a malformed one stops the start with a message naming it.
 */
public final class Environment {

  /** Held, not shown: {@link Object#toString()} prints no variable (some are secrets). */
  private final Map<String, String> variables;

  public Environment(Map<String, String> variables) {
    this.variables = Map.copyOf(variables);
  }

  public Optional<String> text(String name) {
    return Optional.ofNullable(variables.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  public int integer(String name, int fallback) {
    Optional<String> raw = text(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(raw.get());
    } catch (NumberFormatException e) {
      throw new Config.ConfigException(name + " must be an integer, got '" + raw.get() + "'");
    }
  }

  public int positive(String name, int fallback) {
    int value = integer(name, fallback);
    if (value <= 0) {
      throw new Config.ConfigException(name + " must be a positive integer, got " + value);
    }
    return value;
  }

  public int nonNegative(String name, int fallback) {
    int value = integer(name, fallback);
    if (value < 0) {
      throw new Config.ConfigException(name + " must be zero or a positive integer, got " + value);
    }
    return value;
  }

  public int port(String name, int fallback) {
    int value = integer(name, fallback);
    if (value < 0 || value > 65535) {
      throw new Config.ConfigException(name + " must be a port number between 0 and 65535, got " + value);
    }
    return value;
  }

  public boolean bool(String name, boolean fallback) {
    Optional<String> raw = text(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    return switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new Config.ConfigException(name + " must be true or false, got '" + raw.get() + "'");
    };
  }
}
