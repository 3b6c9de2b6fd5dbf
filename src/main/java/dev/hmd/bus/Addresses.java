package dev.hmd.bus;

/**
 * Every event-bus address of the service. Verticles agree on nothing else: an address, and the
 * immutable record sent to it (see {@link Messages}). One address per operation.
 */
public final class Addresses {

  /** Wake the scheduler for one release now, instead of at its next tick. Body: {@link Messages.ReleaseKick}. */
  public static final String SCHEDULER_KICK = "hmd.scheduler.kick";

  /**
   * Make Cloudflare serve a split. Body: {@link Messages.ApplySplit}; reply: {@link Messages.SplitResult}, or
   * the failure {@link Messages.SplitFailed}.
   */
  public static final String DEPLOY_APPLY = "hmd.deploy.apply";

  /** Per-version telemetry for one release window, batched per account. Body: {@link Messages.CheckRequest}; reply: {@link Messages.CheckTelemetry}. */
  public static final String OBSERVE_CHECK = "hmd.observe.check";

  /** Published after events were committed, so SSE streams of this process read them at once. Body: {@link Messages.EventsCommitted}. */
  public static final String EVENTS_COMMITTED = "hmd.events.committed";

  /** Look for due webhook deliveries now: some were just committed. Body: {@link Messages.DeliveriesDue}. */
  public static final String NOTIFY_KICK = "hmd.notify.kick";

  private Addresses() {
  }
}
