package dev.hmd.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a release's events into progress lines for a pipeline log: one line per stage change,
 * check, traffic split and for the outcome. Pure: events in, lines out, so a replayed history and
 * a live stream print the same.
 */
final class ReleaseProgress {

  static final Set<String> ACTIVE = Set.of("running", "awaiting_approval", "paused");

  private JsonObject release;
  /** Splits applied in the step whose release event comes next, printed after that step's stage lines. */
  private final List<String> traffic = new ArrayList<>();
  private boolean ended;
  private boolean settling;
  private boolean done;

  /** The lines one event adds (often none). */
  List<String> accept(String type, JsonObject data) {
    return switch (type) {
      case "release" -> release(data);
      case "check" -> release == null ? List.of() : List.of(check(data));
      case "deployment" -> {
        // a step saves its split first and the release last: hold the split so the log reads cause, then effect
        traffic.add(split(data.getJsonArray("versions")));
        yield List.of();
      }
      case "smoke" -> release == null ? List.of() : List.of(smoke(data));
      case "gate" -> release == null ? List.of() : List.of(gate(data));
      default -> List.of();
    };
  }

  /** {@code smoke test attempt 2: pass (3 of 3 answers as expected)}. */
  private static String smoke(JsonObject a) {
    String verdict = a.getString("verdict", "?");
    return "smoke test attempt " + a.getInteger("attempt", 0) + ": " + ("fail".equals(verdict) ? "FAIL" : verdict)
      + " (" + a.getString("detail", "") + ")";
  }

  /** {@code gate 'qa' before stage 2: HTTP 503, asking again}. */
  private String gate(JsonObject g) {
    Integer stage = g.getInteger("stageIndex");
    String where = stage == null ? "before the start" : "before stage " + (stage + 1) + "/" + stages(release).size();
    String state = g.getString("state", "waiting");
    String answer = g.getString("error") != null ? g.getString("error") : "HTTP " + g.getInteger("status");
    String next = switch (state) {
      case "passed" -> ", goes on";
      case "failed" -> ", GAVE UP";
      default -> ", asking again until " + g.getString("deadline", "its timeout");
    };
    return "gate '" + g.getString("gate") + "' " + where + ", attempt " + g.getInteger("attempt", 0) + ": " + answer
      + next;
  }

  /** The release reached a terminal state and Cloudflare serves the split it ended with. */
  boolean done() {
    return done;
  }

  /** The release reached a terminal state (its last split may still be on its way to Cloudflare). */
  boolean ended() {
    return ended;
  }

  /** The latest snapshot seen, or null. */
  JsonObject release() {
    return release;
  }

  /** 0 for succeeded, 1 for any other ending. */
  int exitCode() {
    return release != null && "succeeded".equals(release.getString("state"))
      ? ReleaseCommand.SUCCEEDED : ReleaseCommand.NOT_SUCCEEDED;
  }

  private List<String> release(JsonObject next) {
    List<String> lines = new ArrayList<>();
    JsonObject before = release;
    release = next;
    if (before == null) {
      lines.add(header(next));
    }
    JsonArray stages = stages(next);
    for (int i = 0; i < stages.size(); i++) {
      JsonObject stage = stages.getJsonObject(i);
      String was = before == null ? "pending" : stageState(before, i);
      String is = stage.getString("state", "pending");
      // a stage that never started and is cancelled by the ending says nothing the outcome does not
      boolean neverRan = was.equals("pending") && is.equals("cancelled") && stage.getString("startedAt") == null;
      if (!is.equals(was) && !neverRan) {
        lines.add(stageLine(next, stage, stages.size()));
      }
      // what a stage whose soak time is up waits for, once per kind (its numbers change with every check)
      String waiting = stage.getString("waitingFor");
      String waited = before == null || i >= stages(before).size() ? null
        : stages(before).getJsonObject(i).getString("waitingFor");
      if (waiting != null && !waitingKind(waiting).equals(waited == null ? "" : waitingKind(waited))) {
        lines.add("stage " + (i + 1) + "/" + stages.size() + " (" + stage.getInteger("targetPercent") + "%): "
          + waiting);
      }
    }
    String state = next.getString("state");
    if (before != null && "paused".equals(state) && !"paused".equals(before.getString("state"))) {
      lines.add("paused: the soak clock stands still, checks go on (hmd release resume " + next.getString("id") + ")");
    } else if (before != null && "paused".equals(before.getString("state")) && "running".equals(state)) {
      lines.add("resumed");
    }
    if (!ended && !ACTIVE.contains(state)) {
      ended = true;
      lines.add(outcome(next));
    }
    lines.addAll(traffic);
    traffic.clear();
    if (ended && !done) {
      if (settled(next)) {
        done = true;
      } else if (!settling) {
        settling = true;
        lines.add("waiting for Cloudflare to serve " + describe(next.getJsonArray("wantedSplit")));
      }
    }
    return lines;
  }

  /** Cloudflare serves the split the release wants (or it wants none, a person having deployed meanwhile). */
  static boolean settled(JsonObject release) {
    JsonArray wanted = release.getJsonArray("wantedSplit");
    return wanted == null || percentages(wanted).equals(percentages(release.getJsonArray("currentSplit")));
  }

  private static Map<String, Integer> percentages(JsonArray split) {
    Map<String, Integer> out = new HashMap<>();
    if (split != null) {
      for (int i = 0; i < split.size(); i++) {
        JsonObject v = split.getJsonObject(i);
        int percent = v.getNumber("percentage", 0).intValue();
        if (percent > 0) {
          out.put(v.getString("versionId"), percent);
        }
      }
    }
    return out;
  }

  /** "waiting for evidence" or "confirming": what kind of wait, without its numbers. */
  private static String waitingKind(String waitingFor) {
    return waitingFor.startsWith("waiting for evidence") ? "evidence" : "telemetry";
  }

  private static JsonArray stages(JsonObject release) {
    JsonArray stages = release.getJsonArray("stages");
    return stages == null ? new JsonArray() : stages;
  }

  private static String stageState(JsonObject release, int index) {
    JsonArray stages = stages(release);
    return index < stages.size() ? stages.getJsonObject(index).getString("state", "pending") : "pending";
  }

  static String header(JsonObject r) {
    StringBuilder percents = new StringBuilder();
    for (Object s : stages(r)) {
      percents.append(percents.length() > 0 ? " " : "").append(((JsonObject) s).getInteger("targetPercent"))
        .append('%');
    }
    String worker = r.getString("workerName");
    return "release " + r.getString("id") + (worker == null ? "" : " of " + worker) + ": "
      + shortId(r.getString("oldVersionId")) + " -> " + shortId(r.getString("newVersionId"))
      + ", stages " + percents;
  }

  private static String stageLine(JsonObject r, JsonObject stage, int count) {
    String name = "stage " + (stage.getInteger("index", 0) + 1) + "/" + count + " ("
      + stage.getInteger("targetPercent") + "%)";
    String state = stage.getString("state", "pending");
    return switch (state) {
      case "soaking" -> name + ": soaking " + stage.getInteger("soakSeconds") + " s"
        + (Boolean.FALSE.equals(stage.getBoolean("autoProgress")) ? ", then waits for approval" : "");
      case "awaiting_approval" -> name + ": awaiting approval (hmd release approve " + r.getString("id")
        + ", or deny)";
      case "passed" -> name + ": passed" + checkCounts(stage);
      case "failed" -> name + ": FAILED" + checkCounts(stage);
      default -> name + ": " + state.replace('_', ' ');
    };
  }

  private static String checkCounts(JsonObject stage) {
    Integer passed = stage.getInteger("passedChecks");
    if (passed == null) {
      return "";
    }
    return " (" + passed + " passed, " + stage.getInteger("failedChecks", 0) + " failed, "
      + stage.getInteger("inconclusiveChecks", 0) + " inconclusive checks)";
  }

  /** The ending, e.g. {@code rolled back (slo_violation): latency_p99 ...}. */
  static String outcome(JsonObject r) {
    JsonObject outcome = r.getJsonObject("outcome");
    String state = r.getString("state", "").replace('_', ' ');
    String verb = "succeeded".equals(r.getString("state")) ? "SUCCEEDED" : state.toUpperCase(Locale.ROOT);
    if (outcome == null) {
      return "release " + r.getString("id") + " " + verb;
    }
    String message = outcome.getString("message");
    return "release " + r.getString("id") + " " + verb + " (" + outcome.getString("code") + ")"
      + (message == null || message.isBlank() ? "" : ": " + message);
  }

  /** One line on what a release is doing now, for approve, deny and cancel. */
  static String summary(JsonObject r) {
    if (!ACTIVE.contains(r.getString("state"))) {
      return outcome(r);
    }
    JsonArray stages = stages(r);
    int index = r.getInteger("currentStageIndex", 0);
    String stage = index < stages.size() ? stageLine(r, stages.getJsonObject(index), stages.size()) : "";
    return "release " + r.getString("id") + " " + r.getString("state").replace('_', ' ') + ", " + stage;
  }

  private String check(JsonObject c) {
    int count = stages(release).size();
    String verdict = c.getString("verdict", "?");
    StringBuilder line = new StringBuilder("check in stage ").append(c.getInteger("stageIndex", 0) + 1).append('/')
      .append(count).append(": ").append("fail".equals(verdict) ? "FAIL" : verdict);
    JsonObject stats = c.getJsonObject("new");
    if (stats != null && stats.getNumber("requests") != null) {
      line.append(", new version ").append(stats.getNumber("requests")).append(" requests");
      Number errorRate = stats.getNumber("errorRate");
      if (errorRate != null) {
        line.append(String.format(Locale.ROOT, ", %.2f%% errors", errorRate.doubleValue() * 100));
      }
      Number p99 = stats.getNumber("latencyP99");
      if (p99 != null) {
        line.append(String.format(Locale.ROOT, ", p99 %.0f ms", p99.doubleValue()));
      }
    }
    List<String> reasons = new ArrayList<>();
    JsonArray slos = c.getJsonArray("slos");
    if (slos != null && !"pass".equals(verdict)) {
      for (Object o : slos) {
        JsonObject slo = (JsonObject) o;
        if (Objects.equals(slo.getString("verdict"), verdict)) {
          reasons.add(sloReason(slo));
        }
      }
    }
    if (reasons.isEmpty() && c.getString("reason") != null && !"pass".equals(verdict)) {
      reasons.add(c.getString("reason"));
    }
    if (!reasons.isEmpty()) {
      line.append(" - ").append(String.join("; ", reasons));
    }
    return line.toString();
  }

  private static String sloReason(JsonObject slo) {
    if (slo.getString("reason") != null && !slo.getString("reason").isBlank()) {
      return slo.getString("sli") + ": " + slo.getString("reason");
    }
    Number observed = slo.getNumber("observed");
    Number threshold = slo.getNumber("threshold");
    return slo.getString("sli") + " " + (observed == null ? "unknown" : number(observed)) + " vs "
      + ("relative".equals(slo.getString("mode")) ? threshold + "x old" : number(threshold));
  }

  private static String number(Number n) {
    double d = n.doubleValue();
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.4g", d);
  }

  private String split(JsonArray versions) {
    return "traffic: " + describe(versions);
  }

  /** {@code 10% 5e6f7a8b (new), 90% 1a2b3c4d (old)}. */
  private String describe(JsonArray versions) {
    if (versions == null || versions.isEmpty()) {
      return "(no split)";
    }
    List<String> parts = new ArrayList<>();
    for (Object o : versions) {
      JsonObject v = (JsonObject) o;
      String id = v.getString("versionId");
      String role = release == null ? "" : id.equals(release.getString("newVersionId")) ? " (new)"
        : id.equals(release.getString("oldVersionId")) ? " (old)" : "";
      parts.add(v.getNumber("percentage", 0).intValue() + "% " + shortId(id) + role);
    }
    return String.join(", ", parts);
  }

  /** Cloudflare version ids are UUIDs; the first 8 characters tell them apart in a log. */
  static String shortId(String id) {
    return id == null ? "?" : id.length() > 8 ? id.substring(0, 8) : id;
  }
}
