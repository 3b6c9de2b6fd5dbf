package dev.hmd.notify;

import dev.hmd.releases.ReleaseRow;
import dev.hmd.releases.ReleaseView;
import dev.hmd.releases.SaveHook;
import dev.hmd.slo.ReleaseStatus;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.List;

/**
 * The releases' {@link SaveHook}: which notifications a change of a release makes, enqueued with
 * the change itself so that a crash can neither lose nor duplicate one. Which events a change makes
 * is decided here alone, from the row before and after.
 */
public final class Notifications {

  /** Enqueues the notifications of each change, in its transaction. */
  public static final SaveHook HOOK = Notifications::enqueue;

  /** One notification a change makes: the event and the stage it is about. */
  public record Notice(WebhookEvent event, int stageIndex) {
  }

  private Notifications() {
  }

  /**
   * What changed, as notifications: {@code started} for a new release ({@code before} null),
   * {@code awaiting_approval} each time a stage starts waiting for a person, the end state when
   * an active release ends, and {@code blocked} when Cloudflare starts refusing its deployment.
   */
  public static List<Notice> notices(ReleaseRow before, ReleaseRow after) {
    List<Notice> notices = new ArrayList<>();
    if (before == null) {
      notices.add(new Notice(WebhookEvent.STARTED, after.currentStageIndex()));
    }
    boolean awaiting = after.state() == ReleaseStatus.AWAITING_APPROVAL;
    if (awaiting && (before == null || before.state() != ReleaseStatus.AWAITING_APPROVAL
      || before.currentStageIndex() != after.currentStageIndex())) {
      notices.add(new Notice(WebhookEvent.AWAITING_APPROVAL, after.currentStageIndex()));
    }
    if (!after.active() && (before == null || before.active())) {
      WebhookEvent.ended(after.state()).ifPresent(e -> notices.add(new Notice(e, after.currentStageIndex())));
    }
    if (after.blocked() != null && (before == null || before.blocked() == null)) {
      notices.add(new Notice(WebhookEvent.BLOCKED, after.currentStageIndex()));
    }
    return notices;
  }

  /** Enqueues the notifications of {@code before} becoming {@code after}, in the caller's transaction. */
  public static Future<Void> enqueue(SqlClient tx, ReleaseRow before, ReleaseRow after) {
    Future<Void> done = Future.succeededFuture();
    for (Notice notice : notices(before, after)) {
      done = done.compose(v -> DeliveryRepository.enqueue(tx, after.tenantId(), after.connectionId(), after.id(),
        notice.event(), notice.stageIndex(),
        NotificationText.payload(notice.event(), NotificationText.of(notice.event(), after), ReleaseView.toJson(after)))
        .mapEmpty());
    }
    return done;
  }
}
