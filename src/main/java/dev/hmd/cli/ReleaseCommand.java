package dev.hmd.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hmd release ...}: start, follow and decide releases from a delivery pipeline, through the
 * service's public API. The service is {@code HMD_URL}, the key {@code HMD_API_KEY} (or
 * {@code --url}, {@code --api-key}); the key is never printed.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
  description = {
    "Start, follow and decide releases from a pipeline, through the service's API.",
    "Reads HMD_URL (the service, e.g. https://hmd.example.com) and HMD_API_KEY (an operator key)."},
  subcommands = {ReleaseCommand.Start.class, ReleaseCommand.Watch.class, ReleaseCommand.Approve.class,
    ReleaseCommand.Deny.class, ReleaseCommand.Cancel.class, ReleaseCommand.Pause.class, ReleaseCommand.Resume.class,
    ReleaseCommand.Promote.class, ReleaseCommand.Revert.class},
  exitCodeListHeading = "%nExit codes:%n",
  exitCodeList = {
    "0:the release succeeded (start --wait, watch), or the command was done",
    "1:the release ended rolled back, cancelled or failed",
    "2:usage error, bad or missing credentials, or the API refused the request",
    "3:--timeout ran out while the release was still going on"})
public final class ReleaseCommand implements Callable<Integer> {

  public static final int SUCCEEDED = 0;
  public static final int NOT_SUCCEEDED = 1;
  public static final int ERROR = 2;
  public static final int TIMED_OUT = 3;

  public static final String URL_VARIABLE = "HMD_URL";
  public static final String API_KEY_VARIABLE = "HMD_API_KEY";

  private final Map<String, String> env;

  @Spec
  CommandSpec spec;

  public ReleaseCommand() {
    this(System.getenv());
  }

  /** With the variables given, not the process's (tests). */
  public ReleaseCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ERROR;
  }

  /** What every subcommand shares: where the service is, the key, and turning failures into one line. */
  abstract static class ApiCommand implements Callable<Integer> {

    @ParentCommand
    ReleaseCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--url", paramLabel = "URL", description = "the service's base URL (default: $HMD_URL)")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY",
      description = "an operator API key (default: $HMD_API_KEY; prefer the variable: options show in process lists)")
    String apiKey;

    @Override
    public final Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        String base = setting(url, URL_VARIABLE, "service URL");
        String key = setting(apiKey, API_KEY_VARIABLE, "API key");
        try (HmdClient client = HmdClient.open(base, key)) {
          return run(client, out, err);
        }
      } catch (HmdClient.Failure e) {
        err.println("hmd: " + e.getMessage());
        return ERROR;
      } finally {
        out.flush();
        err.flush();
      }
    }

    private String setting(String option, String variable, String what) {
      String value = option != null ? option : parent.env.get(variable);
      if (value == null || value.isBlank()) {
        throw new HmdClient.Failure("no " + what + ": set " + variable + " or pass --"
          + (variable.equals(URL_VARIABLE) ? "url" : "api-key"));
      }
      return value.trim();
    }

    abstract int run(HmdClient client, PrintWriter out, PrintWriter err);
  }

  @Command(name = "start", description = {
    "Start a release of a new Worker version on a connection, with the connection's plan.",
    "With --wait, follow it and exit 0 only when it succeeds."})
  public static final class Start extends ApiCommand {

    @Option(names = "--connection", required = true, paramLabel = "ID", description = "the connection (c_...)")
    String connection;

    @Option(names = "--version", required = true, paramLabel = "VERSION_ID",
      description = "the new Worker version id (as `wrangler versions upload` prints it)")
    String version;

    @Option(names = "--old-version", paramLabel = "VERSION_ID",
      description = "the version to move traffic from (default: the one serving 100%%)")
    String oldVersion;

    @Mixin
    Follow follow;

    @Override
    int run(HmdClient client, PrintWriter out, PrintWriter err) {
      JsonObject body = new JsonObject().put("newVersionId", version);
      if (oldVersion != null) {
        body.put("oldVersionId", oldVersion);
      }
      JsonObject release = client.post("/v1/connections/" + HmdClient.segment(connection) + "/releases", body);
      out.println("started release " + release.getString("id") + " on connection " + connection);
      return follow.follow(client, out, err, release.getString("id"));
    }
  }

  @Command(name = "watch", description = {
    "Follow a release to its end, printing its history and then its progress.",
    "Exits 0 when it succeeds, 1 when it ends otherwise."})
  public static final class Watch extends ApiCommand {

    @Parameters(paramLabel = "RELEASE_ID", description = "the release (r_...)")
    String releaseId;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
      description = "give up waiting after this long, exit 3 (default: no limit)")
    long timeoutSeconds;

    @Override
    int run(HmdClient client, PrintWriter out, PrintWriter err) {
      return new ReleaseWatcher(client, out, err, Duration.ofSeconds(Math.max(0, timeoutSeconds))).watch(releaseId);
    }
  }

  /** {@code --wait} and {@code --timeout}: follow the release a command started to its end. */
  static final class Follow {

    @Option(names = "--wait", description = "follow the release to its end, printing progress")
    boolean wait;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
      description = "with --wait: give up waiting after this long, exit 3 (default: no limit)")
    long timeoutSeconds;

    /** Without --wait: succeeded, at once. With it: how the release ended, or timed out. */
    int follow(HmdClient client, PrintWriter out, PrintWriter err, String releaseId) {
      out.flush();
      if (!wait) {
        return SUCCEEDED;
      }
      return new ReleaseWatcher(client, out, err, Duration.ofSeconds(Math.max(0, timeoutSeconds))).watch(releaseId);
    }
  }

  /** approve, deny, cancel, pause, resume, promote: one POST with an optional note. */
  abstract static class Decision extends ApiCommand {

    @Parameters(paramLabel = "RELEASE_ID", description = "the release (r_...)")
    String releaseId;

    @Option(names = {"--note", "--reason"}, paramLabel = "TEXT",
      description = "why, kept in the release's decisions and the audit log")
    String note;

    /** The path segment after the release ({@code approve}) and what the command prints it did ({@code approved}). */
    private final String action;
    private final String past;

    Decision(String action, String past) {
      this.action = action;
      this.past = past;
    }

    /** The request's body beside the note. */
    JsonObject body() {
      return new JsonObject();
    }

    @Override
    int run(HmdClient client, PrintWriter out, PrintWriter err) {
      JsonObject body = body();
      if (note != null) {
        body.put("note", note);
      }
      JsonObject release = client.post("/v1/releases/" + HmdClient.segment(releaseId) + "/" + action,
        body.isEmpty() ? null : body);
      out.println(past + ": " + ReleaseProgress.summary(release));
      return SUCCEEDED;
    }
  }

  @Command(name = "pause",
    description = "Pause the soak of a running release: its clock stops, checks go on, a failure still rolls back.")
  public static final class Pause extends Decision {
    public Pause() {
      super("pause", "paused");
    }
  }

  @Command(name = "resume", description = "Resume a paused release; its soak ends as much later as it was paused.")
  public static final class Resume extends Decision {
    public Resume() {
      super("resume", "resumed");
    }
  }

  @Command(name = "promote", description = {
    "End the current soak (or the wait for approval) now and go on to the next stage.",
    "With --full, go straight to the last stage (100%%); its soak and checks still apply."})
  public static final class Promote extends Decision {

    @Option(names = "--full", description = "go straight to 100%%, skipping the stages between")
    boolean full;

    public Promote() {
      super("promote", "promoted");
    }

    @Override
    JsonObject body() {
      return full ? new JsonObject().put("full", true) : new JsonObject();
    }
  }

  @Command(name = "revert", description = {
    "Put back the version a succeeded release replaced, straight to 100%% and without checks.",
    "Refused when something else was deployed since. Prints the new release; with --wait, follows it."})
  public static final class Revert extends ApiCommand {

    @Parameters(paramLabel = "RELEASE_ID", description = "the succeeded release (r_...)")
    String releaseId;

    @Option(names = {"--note", "--reason"}, paramLabel = "TEXT",
      description = "why, kept in the releases' decisions and the audit log")
    String note;

    @Mixin
    Follow follow;

    @Override
    int run(HmdClient client, PrintWriter out, PrintWriter err) {
      JsonObject release = client.post("/v1/releases/" + HmdClient.segment(releaseId) + "/revert",
        note == null ? null : new JsonObject().put("note", note));
      out.println("reverting release " + releaseId + ": release " + release.getString("id") + " puts version "
        + release.getString("newVersionId") + " back at 100%");
      return follow.follow(client, out, err, release.getString("id"));
    }
  }

  @Command(name = "approve", description = "Approve a stage that waits for a person; the release moves on.")
  public static final class Approve extends Decision {
    public Approve() {
      super("approve", "approved");
    }
  }

  @Command(name = "deny", description = "Deny a stage that waits for a person; the release rolls back to 100%% old.")
  public static final class Deny extends Decision {
    public Deny() {
      super("deny", "denied");
    }
  }

  @Command(name = "cancel", description = "Cancel an active release; it rolls back to 100%% old.")
  public static final class Cancel extends Decision {
    public Cancel() {
      super("cancel", "cancelled");
    }
  }
}
