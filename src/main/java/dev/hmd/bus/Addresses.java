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

  /**
   * Per-version telemetry for one release window, batched per account. Body: {@link Messages.CheckRequest}; reply:
   * {@link Messages.CheckTelemetry}.
   */
  public static final String OBSERVE_CHECK = "hmd.observe.check";

  /**
   * Ask a release's gate once: a signed POST of the release. Body: {@link Messages.GateCall}; reply:
   * {@link Messages.GateAnswer} (never a failure: an attempt that got no answer says so).
   */
  public static final String CONTROLS_GATE = "hmd.controls.gate";

  /**
   * Run one attempt of a release's smoke test: its requests to the new version at 0%, then the
   * telemetry that confirms they reached it. Body: {@link Messages.SmokeRun}; reply: {@link Messages.SmokeResult}.
   */
  public static final String CONTROLS_SMOKE = "hmd.controls.smoke";

  /**
   * Published after events were committed, so SSE streams of this process read them at once. Body: {@link
   * Messages.EventsCommitted}.
   */
  public static final String EVENTS_COMMITTED = "hmd.events.committed";

  /** Look for due webhook deliveries now: some were just committed. Body: {@link Messages.DeliveriesDue}. */
  public static final String NOTIFY_KICK = "hmd.notify.kick";

  private Addresses() {
  }
}
