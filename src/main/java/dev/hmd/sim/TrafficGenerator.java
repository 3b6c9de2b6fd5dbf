package dev.hmd.sim;

import java.util.SplittableRandom;

/**
 * Synthetic invocations of one second, a pure function of the Worker's seed, the second and the
 * Worker's history: generating a second twice gives the same invocations. That is what lets the
 * simulator keep only minute aggregates and regenerate the seconds at a query's edges.
 */
final class TrafficGenerator {

  private TrafficGenerator() {
  }

  /**
   * @param rps requests per second; a fractional part becomes one more request with that probability
   * @param versions one or two versions, each with its share of traffic in {@code percentages}
   */
  static void generate(long workerSeed, long second, double rps, SimVersion[] versions, double[] percentages,
                       TrafficSink sink) {
    SplittableRandom random = new SplittableRandom(mix(workerSeed, second));
    long requests = (long) rps;
    if (random.nextDouble() < rps - requests) {
      requests++;
    }
    Sampler first = new Sampler(versions[0].profileAt(second));
    Sampler second2 = versions.length > 1 ? new Sampler(versions[1].profileAt(second)) : first;
    double firstShare = percentages[0];
    for (long i = 0; i < requests; i++) {
      boolean toFirst = versions.length == 1 || random.nextDouble() * 100 < firstShare;
      Sampler sampler = toFirst ? first : second2;
      sampler.draw(random, toFirst ? versions[0] : versions[1], sink);
    }
  }

  /** A seed per (Worker, second): consecutive seconds get unrelated streams. */
  static long mix(long workerSeed, long second) {
    long z = workerSeed + second * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Lognormal parameters of one version's profile, computed once per second rather than per request.
   * Synthetic traffic and requests to the edge draw their invocations through it alike.
   */
  static final class Sampler {
    private final double wallMu;
    private final double wallSigma;
    private final double cpuMu;
    private final double cpuSigma;
    private final double errorRate;
    private final double serverErrorRate;

    Sampler(Profile profile) {
      wallMu = profile.latencyMs().mu();
      wallSigma = profile.latencyMs().sigma();
      cpuMu = profile.cpuMs().mu();
      cpuSigma = profile.cpuMs().sigma();
      errorRate = profile.errorRate();
      serverErrorRate = profile.serverErrorRate();
    }

    /** Draws one invocation of {@code version} (outcome, wall, CPU, in that order) into the sink. */
    InvocationOutcome draw(SplittableRandom random, SimVersion version, TrafficSink sink) {
      InvocationOutcome outcome = InvocationOutcome.of(random.nextDouble(), errorRate, serverErrorRate);
      int wall = LogBuckets.indexOfLn(wallMu + wallSigma * random.nextGaussian());
      int cpu = LogBuckets.indexOfLn(cpuMu + cpuSigma * random.nextGaussian());
      sink.record(version, outcome, wall, cpu);
      return outcome;
    }
  }
}
