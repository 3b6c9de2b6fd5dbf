package dev.hmd.slo;

import java.time.Instant;

/**
 * Judges one check window for its stage: the window alone (strong evidence in one window fails at
 * once) and, when the window is one of the stage's own, the stage's evidence pooled over all of
 * its windows so far (a regression too small for any one window still shows). Each look spends
 * its share of the stage's budgets ({@link AlphaSpending}), so that a version exactly at its
 * threshold is rolled back in a bounded share of stages however long they are watched.
 */
public final class StageJudge {

  private StageJudge() {
  }

  /**
   * What a check decided. {@code verdict}: fail if the window alone or the pooled evidence
   * fails; for a window of the stage's own, otherwise the pooled verdict (a stage passes on its
   * evidence as a whole, once it holds minRequests); for another window, the window's verdict
   * (which only counts if it is a fail). {@code window} is the window judged alone,
   * {@code pooled} the stage's evidence judged (null unless counted), {@code evidence} the
   * stage's evidence after this look.
   */
  public record Judgement(Verdict verdict, String reason, CheckEvaluation window, CheckEvaluation pooled,
                          StageEvidence evidence, int look) {
  }

  /**
   * @param before the stage's evidence before this window
   * @param counted the window is one of the stage's own ({@link Attribution#counted()})
   * @param windowEnd the window's end, how far the stage's windows are now checked
   * @param fallbackBaseline old-version stats from earlier in the release, for relative SLOs; may be null
   */
  public static Judgement judge(Plan plan, StageEvidence before, boolean counted, Instant windowEnd,
    VersionStats newWindow, VersionStats oldWindow, VersionStats fallbackBaseline) {
    // a window too small to fail spends nothing of the budget
    boolean canFail = newWindow != null && newWindow.requests() >= failFloor(plan);
    StageEvidence looked = canFail ? before.looked() : before;
    int look = Math.max(1, looked.looks());
    CheckEvaluation window = SloEvaluator.evaluate(plan, newWindow, oldWindow, fallbackBaseline,
      AlphaSpending.atLook(AlphaSpending.WINDOW_ALPHA, look));
    if (window.verdict() == Verdict.ERROR) {
      return new Judgement(Verdict.ERROR, window.reason(), window, null, before, look);
    }
    if (!counted) {
      return new Judgement(window.verdict(), window.reason(), window, null, looked, look);
    }
    StageEvidence pooledEvidence = looked.pooled(plan, newWindow, oldWindow, windowEnd);
    if (pooledEvidence.newStats().requests() >= failFloor(plan)) {
      pooledEvidence = pooledEvidence.pooledLook();
    }
    double pooledAlpha = AlphaSpending.atLook(AlphaSpending.POOLED_ALPHA, Math.max(1, pooledEvidence.pooledLooks()));
    CheckEvaluation pooled = SloEvaluator.evaluate(plan, pooledEvidence.newStats(), pooledEvidence.oldStats(),
      fallbackBaseline, pooledAlpha);
    StageEvidence after = pooledEvidence.judged(pooled.verdict(), pooled.reason());
    String stage = "the stage's " + pooledEvidence.windows() + " window" + (pooledEvidence.windows() == 1 ? "" : "s");
    if (window.verdict() == Verdict.FAIL) {
      return new Judgement(Verdict.FAIL, "this window: " + window.reason(), window, pooled, after, look);
    }
    return new Judgement(pooled.verdict(), stage + ": " + pooled.reason(), window, pooled, after, look);
  }

  /** Fewest requests a fail rests on (see {@link SloEvaluator#MIN_REQUESTS_FOR_FAIL}). */
  private static long failFloor(Plan plan) {
    return Math.min(plan.minRequests(), SloEvaluator.MIN_REQUESTS_FOR_FAIL);
  }
}
