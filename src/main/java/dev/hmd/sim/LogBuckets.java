package dev.hmd.sim;

/**
 * The one bucket scale of every simulated duration: logarithmic, 50 buckets per e-fold, so that
 * neighbouring buckets differ by 2% and a bucket's midpoint is within 1% of any value in it. That
 * is the precision of every percentile, min, max, sum and average the simulator reports.
 */
final class LogBuckets {

  static final double MIN_MS = 0.001;
  static final double MAX_MS = 10_000_000;
  static final double PER_E_FOLD = 50;
  static final double LN_MIN = Math.log(MIN_MS);
  static final int MAX_INDEX = (int) Math.ceil((Math.log(MAX_MS) - LN_MIN) * PER_E_FOLD);
  private static final double[] VALUES = new double[MAX_INDEX + 1];

  static {
    for (int i = 0; i <= MAX_INDEX; i++) {
      VALUES[i] = Math.exp(LN_MIN + (i + 0.5) / PER_E_FOLD);
    }
  }

  private LogBuckets() {
  }

  static int index(double ms) {
    return indexOfLn(ms > 0 ? Math.log(ms) : LN_MIN);
  }

  /** The bucket of a value given by its natural logarithm: what the generator draws directly. */
  static int indexOfLn(double lnMs) {
    double position = (lnMs - LN_MIN) * PER_E_FOLD;
    if (position <= 0) {
      return 0;
    }
    return position >= MAX_INDEX ? MAX_INDEX : (int) position;
  }

  /** The geometric midpoint of a bucket: the value every sample in it is reported as. */
  static double value(int index) {
    return VALUES[index];
  }
}
