package dev.hmd.slo;

import java.time.Instant;

/**
 * What the impure shell must do after a transition. Effects are edge-triggered hints; the
 * level-triggered truth is the state itself ({@link ReleaseMachine#wantedNewPercent}, the
 * stage's soakEndsAt and approvalDeadline), so a shell that crashed between saving the state and
 * acting on an effect can recover from the state alone.
 */
public sealed interface Effect {

  /**
   * Make Cloudflare serve {@code newPercent}% to the new version and the rest to the old one;
   * 0 is a rollback, 100 a completion. Confirm with {@link ReleaseInput.SplitApplied}.
   */
  record SetSplit(int newPercent) implements Effect {
  }

  /** Deliver {@link ReleaseInput.SoakElapsed} at {@code at}. */
  record ScheduleSoakEnd(Instant at) implements Effect {
  }

  /** Run the next check at {@code at} and deliver {@link ReleaseInput.CheckCompleted}. */
  record ScheduleCheck(Instant at) implements Effect {
  }

  /**
   * A person must approve or deny; deliver {@link ReleaseInput.ApprovalTimedOut} at
   * {@code deadline}, or never when it is null.
   */
  record AwaitApproval(Instant deadline) implements Effect {
  }

  /** The release reached a terminal status: stop its checks and timers, record the outcome. */
  record Finished(ReleaseStatus status, Outcome outcome) implements Effect {
  }

  /**
   * Deploy the new version at 0% beside the old one at 100%, so that requests naming it in
   * {@code Cloudflare-Workers-Version-Overrides} reach it (for the smoke test). Confirm with
   * {@link ReleaseInput.SplitApplied} of 0.
   */
  record DeployStandby() implements Effect {
  }

  /**
   * Run the smoke test once the 0% deployment serves; deliver {@link ReleaseInput.SmokeTestPassed} or {@link
   * ReleaseInput.SmokeTestFailed}.
   */
  record RunSmokeTest() implements Effect {
  }

  /**
   * Ask {@code gates} (their names) until each answers 2xx, each within its own timeout (the last
   * of them ends at {@code deadline}); deliver {@link ReleaseInput.GatePassed} or {@link ReleaseInput.GateFailed}.
   */
  record AwaitGates(java.util.List<String> gates, Instant deadline) implements Effect {
    public AwaitGates {
      gates = java.util.List.copyOf(gates);
    }
  }
}
