package dev.hmd.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One simulated Worker: its versions, its deployments and its traffic. Every change takes effect
 * from a later second than the current one, so the traffic of a past second never changes and can
 * be regenerated at will. All methods hold the Worker's lock: the event loop changes it while the
 * background tick and telemetry queries read it.
 */
final class SimWorker {

  /** Cloudflare lets only the most recent 100 versions be deployed. */
  static final int DEPLOYABLE_VERSIONS = 100;

  final String accountId;
  final String script;
  private final long seed;
  private final int propagationSeconds;
  private final List<SimVersion> versions = new ArrayList<>();
  private final Map<String, SimVersion> versionsById = new HashMap<>();
  private final List<Deployment> deployments = new ArrayList<>();
  private final TimeLine<Deployment> serving = new TimeLine<>();
  private final TimeLine<Double> rps = new TimeLine<>();
  private final TrafficStore traffic;
  private final EdgeHits edgeHits = new EdgeHits();
  /** Draws of requests to the edge: seeded, so a run of requests is reproducible too. */
  private final SplittableRandom edgeRandom;

  /** What the edge answered a request with: the version that served it and how it ended. */
  record EdgeAnswer(SimVersion version, InvocationOutcome outcome) {
  }

  SimWorker(String accountId, String script, long seed, int propagationSeconds, double requestsPerSecond,
            long nowMs, String authorEmail) {
    this.accountId = accountId;
    this.script = script;
    this.seed = seed;
    this.propagationSeconds = propagationSeconds;
    long from = nextSecond(nowMs);
    this.traffic = new TrafficStore(from);
    this.edgeRandom = new SplittableRandom(~seed);
    rps.put(from, requestsPerSecond);
    SimVersion first = upload("initial version", null, Profile.DEFAULT, nowMs, authorEmail);
    deploy(List.of(new Deployment.Split(first.id, 100)), null, "upload", "wrangler", authorEmail, nowMs);
  }

  /** Changes apply from the second after "now": the current second may already be generated. */
  private static long nextSecond(long nowMs) {
    return Math.floorDiv(nowMs, 1000) + 1;
  }

  synchronized SimVersion upload(String message, String tag, Profile profile, long nowMs, String authorEmail) {
    SimVersion version = new SimVersion(UUID.randomUUID().toString(), versions.size() + 1, nowMs, message, tag,
      "wrangler", authorEmail, nextSecond(nowMs), profile);
    versions.add(version);
    versionsById.put(version.id, version);
    return version;
  }

  synchronized Deployment deploy(List<Deployment.Split> splits, String message, String triggeredBy, String source,
                                 String authorEmail, long nowMs) {
    Deployment deployment = new Deployment(UUID.randomUUID().toString(), nowMs, source, List.copyOf(splits), message,
      triggeredBy, authorEmail, nextSecond(nowMs) + propagationSeconds);
    deployments.add(deployment);
    serving.put(deployment.effectiveSecond(), deployment);
    return deployment;
  }

  synchronized void changeProfile(SimVersion version, Profile profile, long nowMs) {
    version.changeProfile(nextSecond(nowMs), profile);
  }

  synchronized void changeRps(double requestsPerSecond, long nowMs) {
    rps.put(nextSecond(nowMs), requestsPerSecond);
  }

  synchronized double rps() {
    return rps.latest();
  }

  synchronized Optional<SimVersion> version(String id) {
    return Optional.ofNullable(versionsById.get(id));
  }

  synchronized List<SimVersion> versionsNewestFirst() {
    return reversed(versions);
  }

  synchronized List<Deployment> deploymentsNewestFirst() {
    return reversed(deployments);
  }

  synchronized boolean deployable(SimVersion version) {
    return version.number > versions.size() - DEPLOYABLE_VERSIONS;
  }

  private static <T> List<T> reversed(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    Collections.reverse(copy);
    return copy;
  }

  /** Generates traffic up to the last complete second and evicts what is older than {@code retainFrom}. */
  synchronized void advance(long nowMs, long retainFromSecond) {
    traffic.advance(Math.floorDiv(nowMs, 1000) - 1, retainFromSecond, this::generate);
    edgeHits.retainFrom(retainFromSecond);
  }

  /**
   * Serves one request to the Worker itself and counts it as an invocation of the current second.
   * The override is honoured only for a version of the deployment serving now (even at 0%), and
   * only once that deployment has served for {@code overridePropagationSeconds}; else the split
   * draws the version.
   *
   * @param overrideVersionId the version the request's override header names for this script, or null
   */
  synchronized EdgeAnswer serveEdge(String overrideVersionId, long nowMs, int overridePropagationSeconds) {
    // A second already generated must not change: a request that lost the race with the tick
    // counts in the next second instead.
    long second = Math.max(Math.floorDiv(nowMs, 1000), traffic.generatedThrough() + 1);
    Deployment deployment = serving.at(second);
    if (deployment == null) {
      // Created within this second: the first deployment serves from the next one. Overrides wait.
      deployment = deployments.get(0);
    }
    SimVersion version = null;
    if (overrideVersionId != null && second >= deployment.effectiveSecond() + overridePropagationSeconds
        && deployment.versions().stream().anyMatch(split -> split.versionId().equals(overrideVersionId))) {
      version = versionsById.get(overrideVersionId);
    }
    if (version == null) {
      version = drawVersion(deployment.versions());
    }
    TrafficGenerator.Sampler sampler = new TrafficGenerator.Sampler(version.profileAt(second));
    InvocationOutcome outcome = sampler.draw(edgeRandom, version,
      (drawn, how, wall, cpu) -> edgeHits.add(second, drawn, how, wall, cpu));
    return new EdgeAnswer(version, outcome);
  }

  /** A weighted draw over the deployment's split, as a request without an override gets. */
  private SimVersion drawVersion(List<Deployment.Split> splits) {
    double point = edgeRandom.nextDouble() * 100;
    for (Deployment.Split split : splits) {
      if (point < split.percentage()) {
        return versionsById.get(split.versionId());
      }
      point -= split.percentage();
    }
    // Rounding left the point past the last share: it belongs to the last version that has one.
    Deployment.Split last = splits.get(splits.size() - 1);
    for (Deployment.Split split : splits) {
      last = split.percentage() > 0 ? split : last;
    }
    return versionsById.get(last.versionId());
  }

  synchronized void visit(long fromSecond, long toSecond, TrafficStore.BlockVisitor visitor) {
    traffic.visit(fromSecond, toSecond, this::generate, visitor);
  }

  synchronized Map<SimVersion, long[]> totals() {
    return traffic.totals();
  }

  /** A second's synthetic invocations, then the requests the edge served in it. */
  private void generate(long second, TrafficSink sink) {
    generateSynthetic(second, sink);
    edgeHits.replay(second, versions, sink);
  }

  private void generateSynthetic(long second, TrafficSink sink) {
    Deployment deployment = serving.at(second);
    Double perSecond = rps.at(second);
    if (deployment == null || perSecond == null || perSecond <= 0) {
      return;
    }
    List<Deployment.Split> splits = deployment.versions();
    SimVersion[] targets = new SimVersion[splits.size()];
    double[] shares = new double[splits.size()];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = versionsById.get(splits.get(i).versionId());
      shares[i] = splits.get(i).percentage();
    }
    TrafficGenerator.generate(seed, second, perSecond, targets, shares, sink);
  }
}
