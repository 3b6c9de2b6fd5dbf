package dev.hmd.slo;

/**
 * How much of a stage's error budget each look at its evidence may spend. A stage is looked at
 * once per check, for as long as it lasts (its soak, the wait for evidence, the wait for a
 * person), and every look is a chance to fail a version that is exactly at its threshold. A
 * fixed level per look would fail such a version in a share of stages that grows with the number
 * of looks; the shares below sum to the budget over any number of looks (1/2 + 1/6 + 1/12 + ...
 * = 1), so the share is bounded whatever the stage's length: a union bound, which holds for
 * windows that are independent and for pooled evidence whose looks are not. The tests must be
 * valid at every level for that, which the exact ones are (see {@link ConfidenceBounds}).
 *
 * <p>Two budgets per stage, each spent over the looks that could fail (a window or a pool with
 * the requests a fail needs; a look that cannot fail spends nothing):
 * <ul>
 *   <li>{@link #WINDOW_ALPHA} for each window judged alone (strong evidence in one window fails
 *   at once): the k-th spends {@code WINDOW_ALPHA / (k (k + 1))}, the first 2.5%, what a check
 *   spent before looks were counted.</li>
 *   <li>{@link #POOLED_ALPHA} for the stage's pooled evidence (a regression too small for any
 *   one window): the k-th look at it spends {@code POOLED_ALPHA / (k (k + 1))}.</li>
 * </ul>
 * A version exactly at its threshold is rolled back in at most {@code WINDOW_ALPHA + POOLED_ALPHA}
 * of its stages. Spending by doublings of the pooled evidence instead of by looks was tried: the
 * looks within a doubling then have to share its budget, and its last ones (the most evidence)
 * got less than a look of their own gets here (docs/slo-evaluation.md has the measured rates).
 */
public final class AlphaSpending {

  /** The budget of the windows judged alone, per stage. */
  public static final double WINDOW_ALPHA = 0.05;
  /** The budget of the stage's pooled evidence, per stage. */
  public static final double POOLED_ALPHA = 0.025;

  private AlphaSpending() {
  }

  /** The one-sided level of the k-th look (from 1) out of a budget of {@code total}. */
  public static double atLook(double total, int look) {
    if (look < 1) {
      throw new IllegalArgumentException("looks count from 1, got " + look);
    }
    return total / ((double) look * (look + 1));
  }

}
