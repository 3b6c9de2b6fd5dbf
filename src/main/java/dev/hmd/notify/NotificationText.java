package dev.hmd.notify;

import dev.hmd.connections.PlanJson;
import dev.hmd.releases.ReleaseRow;
import dev.hmd.slo.OutcomeCode;
import dev.hmd.slo.Plan;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.Stage;
import io.vertx.core.json.JsonObject;

/**
 * The one-line summary in a notification's {@code text}: Slack's incoming webhooks post it as the
 * message (mrkdwn), other receivers can show it as is. Release id, Worker, versions, stage,
 * outcome and reason; everything a person typed or Cloudflare named is escaped.
 */
public final class NotificationText {

  /** Longest outcome message quoted; the whole one is in {@code release.outcome.message}. */
  static final int REASON_MAX = 300;

  private NotificationText() {
  }

  public static String of(WebhookEvent event, ReleaseRow row) {
    Plan plan = PlanJson.fromJson(row.plan());
    int index = Math.min(row.currentStageIndex(), plan.stageCount() - 1);
    Stage stage = plan.stage(index);
    String release = "Release " + row.id() + " of Worker *" + escape(row.workerName()) + "*";
    String newVersion = code(row.newVersionId());
    String oldVersion = code(row.oldVersionId());
    String at = "stage " + (index + 1) + "/" + plan.stageCount() + " (" + stage.targetPercent() + "% on " + newVersion
      + ")";
    if (row.controls().revert()) {
      String of = row.controls().revertOf() == null ? "" : " release " + row.controls().revertOf();
      if (event == WebhookEvent.STARTED) {
        return ":leftwards_arrow_with_hook: " + release + " reverts" + of + ": version " + newVersion
          + " goes back to 100%, replacing " + oldVersion + ".";
      }
      if (event == WebhookEvent.SUCCEEDED) {
        return ":leftwards_arrow_with_hook: " + release + " reverted" + of + ": version " + newVersion
          + " serves 100% again.";
      }
    }
    if (event == WebhookEvent.ROLLED_BACK && OutcomeCode.SMOKE_TEST_FAILED.wireName().equals(row.outcomeCode())) {
      return ":rotating_light: " + release + " failed its smoke test: version " + newVersion
        + " never served traffic, " + oldVersion + " still serves 100%" + reason(row) + ".";
    }
    if (event == WebhookEvent.ROLLED_BACK && OutcomeCode.GATE_FAILED.wireName().equals(row.outcomeCode())) {
      return ":no_entry: " + release + " was stopped by a gate before " + at + ", back on " + oldVersion + reason(row)
        + ".";
    }
    return switch (event) {
      case STARTED -> ":rocket: " + release + " started: version " + newVersion + " replacing " + oldVersion + ", "
        + at + ".";
      case AWAITING_APPROVAL -> ":raised_hand: " + release + " awaits approval at " + at + ", old " + oldVersion + ": "
        + (stage.autoProgress() ? "the soak ended without a conclusive passing check"
          : "the stage needs a person's approval")
        + ".";
      case SUCCEEDED -> ":white_check_mark: " + release + " succeeded: version " + newVersion
        + " serves 100% (replaced "
        + oldVersion + ") after " + plan.stageCount() + "/" + plan.stageCount() + " stages" + reason(row) + ".";
      case ROLLED_BACK -> ":rotating_light: " + release + " rolled back to " + oldVersion + " at " + at + reason(row)
        + ".";
      case CANCELLED -> ":no_entry_sign: " + release + " cancelled at " + at + ", back on " + oldVersion + reason(row)
        + ".";
      case FAILED -> ":x: " + release + " failed at " + at + ", back on " + oldVersion + reason(row) + ".";
      case BLOCKED -> ":warning: " + release + " is blocked: Cloudflare refuses to deploy "
        + (row.active() ? at : row.state() == ReleaseStatus.SUCCEEDED ? "100% on " + newVersion
          : "its rollback to " + oldVersion) + refusal(row) + "; it is tried again until it is applied.";
      case PING -> throw new IllegalArgumentException("a ping has no release");
    };
  }

  /** The text of a test ping. */
  public static String ping(String webhookId, String workerName) {
    return ":wave: Test notification from Workers HMD: webhook " + webhookId + " of Worker *" + escape(workerName)
      + "* is reachable.";
  }

  /** The release's outcome ({@code code: message}), as the end of the sentence. */
  private static String reason(ReleaseRow row) {
    if (row.outcomeCode() == null) {
      return "";
    }
    String message = shortened(row.outcomeMessage());
    return ": " + escape(row.outcomeCode()) + (message.isEmpty() ? "" : " (" + escape(message) + ")");
  }

  /** What Cloudflare said ({@code code (message)}), as the end of the sentence. */
  private static String refusal(ReleaseRow row) {
    if (row.blocked() == null) {
      return "";
    }
    String message = shortened(row.blocked().message());
    String code = row.blocked().code() == null ? "HTTP " + row.blocked().httpStatus() : "code " + row.blocked().code();
    return ": " + code + (message.isEmpty() ? "" : " (" + escape(message) + ")");
  }

  /** A version id, short enough to read (the full ids are in {@code release}). */
  private static String code(String versionId) {
    String shortId = versionId.length() > 8 ? versionId.substring(0, 8) : versionId;
    return "`" + escape(shortId).replace("`", "'") + "`";
  }

  /** On one line, at most {@link #REASON_MAX} characters. */
  private static String shortened(String text) {
    String line = text == null ? "" : text.replaceAll("\\s+", " ").trim();
    return line.length() > REASON_MAX ? line.substring(0, REASON_MAX - 1) + "…" : line;
  }

  /** Slack's three control characters; the rest of the text is plain. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** The body as stored at enqueueing: what every attempt sends, before deliveryId and sentAt. */
  static JsonObject payload(WebhookEvent event, String text, JsonObject release) {
    return new JsonObject().put("text", text).put("event", event.wireName()).put("release", release);
  }
}
