package dev.hmd.releases;

/**
 * A stored release this build cannot read: a state or stage state it does not know (a newer
 * build wrote it, or someone edited the row), a plan its validator refuses, malformed JSON. The
 * scheduler ends such a release {@code failed} rather than guess (docs/engine.md, "Unreadable
 * rows").
 */
public final class UnreadableRelease extends RuntimeException {

  public static final String PREFIX = "this build cannot read the release: ";

  private final String column;

  /**
   * {@code column} is the releases column the problem is in; {@code description} names the field
   * (the column, or a path into its JSON) and says what is wrong with it:
   * {@code stages[1].state 'paused' is unknown}.
   */
  public UnreadableRelease(String column, String description, Throwable cause) {
    super(PREFIX + description, cause);
    this.column = column;
  }

  /** A value as a message shows it: text quoted, anything long cut short. */
  public static String shown(Object value) {
    String text = value instanceof String string ? "'" + string + "'" : String.valueOf(value);
    return text.length() > 80 ? text.substring(0, 79) + "…" : text;
  }

  /** The releases column the problem is in. */
  public String column() {
    return column;
  }
}
