package dev.hmd.slo;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to a release, with the time it is processed at. The machine reads no
 * clock: {@code now} is whatever the caller says it is.
 */
public sealed interface ReleaseInput {

  Instant now();

  /** The release was created: stage 1 begins and its split is asked for. */
  record Start(Instant now) implements ReleaseInput {
  }

  /**
   * The deployer confirmed that Cloudflare serves {@code newPercent} to the new version. The
   * current stage's soak clock starts at the first confirmation of its target.
   */
  record SplitApplied(Instant now, int newPercent) implements ReleaseInput {
  }

  /**
   * A check finished: its verdict on the window {@code [windowStart, windowEnd)}. The machine
   * gives the window to the stage whose split served it ({@link ReleaseMachine#attribute}): a
   * stage's evidence is the windows that began at or after its split was confirmed serving and
   * ended before the next split was asked for; a window served partly under another split counts
   * only by failing. {@code evidence} is that stage's evidence with this window in it, as
   * {@link StageJudge} judged it; null when the shell judged the window alone (then a pass or an
   * inconclusive verdict stands for the stage's evidence, and the window ends at {@code now} when
   * {@code windowEnd} is null). Errors count whatever their window.
   */
  record CheckCompleted(Instant now, Verdict verdict, Instant windowStart, Instant windowEnd, StageEvidence evidence)
    implements ReleaseInput {
    public CheckCompleted {
      Objects.requireNonNull(verdict, "verdict");
    }

    public CheckCompleted(Instant now, Verdict verdict, Instant windowStart) {
      this(now, verdict, windowStart, null, null);
    }

    public CheckCompleted(Instant now, Verdict verdict) {
      this(now, verdict, null, null, null);
    }
  }

  /**
   * The current stage's soakEndsAt (or, while it waits for evidence, its maxSoakEndsAt) has come.
   * Rejected before soakEndsAt. The stage is decided if it can be (see {@link ReleaseMachine});
   * otherwise it says what it waits for, and the next checks decide it.
   */
  record SoakElapsed(Instant now) implements ReleaseInput {
  }

  /** A person approved the stage awaiting approval. {@code note} may be null. */
  record Approve(Instant now, String note) implements ReleaseInput {
    public Approve(Instant now) {
      this(now, null);
    }
  }

  /** A person denied the stage awaiting approval: roll back. {@code note} may be null. */
  record Deny(Instant now, String note) implements ReleaseInput {
    public Deny(Instant now) {
      this(now, null);
    }
  }

  /** A person cancelled the release: roll back. {@code note} may be null. */
  record Cancel(Instant now, String note) implements ReleaseInput {
    public Cancel(Instant now) {
      this(now, null);
    }
  }

  /** The stage's approvalDeadline has come without a decision. Rejected if it has not. */
  record ApprovalTimedOut(Instant now) implements ReleaseInput {
  }

  /** The serving deployment is not the one this release made: someone deployed from outside. */
  record ExternalDeployment(Instant now, String detail) implements ReleaseInput {
  }

  /** A person paused the soak of the current stage: its clock stops, checks go on. */
  record Pause(Instant now, String note) implements ReleaseInput {
  }

  /** A person resumed a paused soak: it ends as much later as it was paused. */
  record Resume(Instant now, String note) implements ReleaseInput {
  }

  /**
   * A person ended the current soak (or the wait for approval) and let the release go on: to the
   * next stage, or with {@code full} to the last one (100%), skipping the stages between.
   */
  record Promote(Instant now, boolean full, String note) implements ReleaseInput {
  }

  /** Gate {@code gate} answered 2xx. */
  record GatePassed(Instant now, String gate) implements ReleaseInput {
    public GatePassed {
      Objects.requireNonNull(gate, "gate");
    }
  }

  /** Gate {@code gate} did not answer 2xx within its timeout; {@code detail} is its last answer. */
  record GateFailed(Instant now, String gate, String detail) implements ReleaseInput {
    public GateFailed {
      Objects.requireNonNull(gate, "gate");
    }
  }

  /** The smoke test's answers came from the new version and were good enough. */
  record SmokeTestPassed(Instant now) implements ReleaseInput {
  }

  /** The smoke test failed (too many bad answers, or the new version could not be reached); {@code detail} says how. */
  record SmokeTestFailed(Instant now, String detail) implements ReleaseInput {
  }
}
