package dev.hmd.scheduler;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.ReleaseKick;
import dev.hmd.connections.ConnectionTokens;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.Releases;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The release state machine's shell. Every tick it claims the releases that are due (with
 * {@code FOR UPDATE SKIP LOCKED} and a lease, so each release is driven by one process), steps
 * each ({@link Stepper}), and keeps the leases of the releases it drives. Everything a release
 * needs comes from its row, so another process can take over at any point; the little this
 * process remembers of a release ({@link ReleaseMemory}) only decides when to look, and goes when
 * the release leaves the process.
 */
public final class ReleaseSchedulerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReleaseSchedulerVerticle.class);
  /** Releases claimed per tick. */
  public static final int CLAIM_BATCH = 500;
  /** Most releases of one tenant saved in one transaction. */
  public static final int SAVE_BATCH = 200;

  private final Pool pool;
  private final Releases releases;
  private final ConnectionTokens tokens;
  private final MeterRegistry registry;
  private final String owner;
  private final Duration lease;
  private final Duration tick;
  private final Duration telemetryLag;
  private final Clock clock;
  private final Set<String> inFlight = new HashSet<>();
  /** What this process remembers of the releases it drives, while there is something to remember. */
  private final Map<String, ReleaseMemory> memory = new HashMap<>();
  private SchedulerMetrics metrics;
  private Stepper stepper;
  private boolean ticking;
  private boolean tickAgain;
  private boolean stopping;
  private long tickTimer = -1;
  private long renewTimer = -1;
  private long gaugeTimer = -1;

  public ReleaseSchedulerVerticle(Pool pool, Releases releases, ConnectionTokens tokens, MeterRegistry registry,
                                  String owner, Duration lease, Duration tick, Duration telemetryLag, Clock clock) {
    this.pool = pool;
    this.releases = releases;
    this.tokens = tokens;
    this.registry = registry;
    this.owner = owner;
    this.lease = lease;
    this.tick = tick;
    this.telemetryLag = telemetryLag;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    metrics = new SchedulerMetrics(registry);
    stepper = new Stepper(vertx, releases, tokens, new SaveQueue(releases, SAVE_BATCH), metrics, telemetryLag, clock);
    tickTimer = vertx.setPeriodic(tick.toMillis(), id -> runTick());
    renewTimer = vertx.setPeriodic(Math.max(1000, lease.toMillis() / 3), id -> renewLeases());
    gaugeTimer = vertx.setPeriodic(5_000, id -> countActive());
    countActive();
    return vertx.eventBus().<ReleaseKick>consumer(Addresses.SCHEDULER_KICK, message -> runTick()).completion();
  }

  /** Stops claiming, waits for the steps under way, then gives the leases up so another process takes over at once. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(gaugeTimer);
    return waitForSteps(50).compose(v -> releases.repository().releaseLeases(owner))
      .onSuccess(n -> {
        memory.clear();
        LOG.info("released {} lease(s) of {}", n, owner);
      })
      .recover(err -> {
        // stopping goes on: the leases run out by themselves within one lease period
        LOG.warn("giving the leases of {} up failed; they run out within {}", owner, lease, err);
        return Future.succeededFuture();
      });
  }

  private Future<Void> waitForSteps(int polls) {
    if (inFlight.isEmpty() || polls == 0) {
      return Future.succeededFuture();
    }
    return vertx.timer(100).compose(v -> waitForSteps(polls - 1));
  }

  private void runTick() {
    if (stopping) {
      return;
    }
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    releases.repository().claimDue(owner, (int) lease.toSeconds(), CLAIM_BATCH, inFlight)
      .onComplete(result -> {
        ticking = false;
        if (result.failed()) {
          LOG.warn("claiming due releases failed", result.cause());
          return;
        }
        for (ReleaseRepository.Claimed claimed : result.result()) {
          step(claimed);
        }
        if (tickAgain || result.result().size() == CLAIM_BATCH) {
          tickAgain = false;
          vertx.runOnContext(v -> runTick());
        }
      });
  }

  private void step(ReleaseRepository.Claimed claimed) {
    String id = claimed.key().id();
    if (claimed.takenOver()) {
      metrics.takenOver();
      Stepper.about(LOG.atInfo(), claimed.key()).log("release {} taken over after its lease ran out", id);
    }
    if (!inFlight.add(id)) {
      return;
    }
    ReleaseMemory remembered = memory.computeIfAbsent(id, k -> new ReleaseMemory());
    // composed, so that nothing a step throws can leave its release in flight, and so never stepped again
    Future.succeededFuture().compose(v -> stepper.step(claimed, remembered))
      .onComplete(done -> {
        inFlight.remove(id);
        if (done.failed()) {
          // a step logs what it handles; this is what it threw instead (the release is due again)
          Stepper.about(LOG.atWarn(), claimed.key()).setCause(done.cause()).log("release {}: step failed", id);
        }
        if ((done.succeeded() && done.result() == Stepper.End.DONE) || remembered.isEmpty()) {
          memory.remove(id, remembered);
        }
      });
  }

  /**
   * Renews the leases of the releases this process drives, and forgets the ones that left it
   * meanwhile (another process holds them, or they were given up).
   */
  private void renewLeases() {
    releases.repository().renewLeases(owner, (int) lease.toSeconds())
      .onFailure(err -> LOG.warn("renewing the leases of {} failed", owner, err));
    List<String> resting = memory.keySet().stream().filter(id -> !inFlight.contains(id)).toList();
    if (resting.isEmpty()) {
      return;
    }
    releases.repository().heldBy(owner, resting)
      .onSuccess(held -> resting.stream().filter(id -> !held.contains(id) && !inFlight.contains(id))
        .forEach(memory::remove))
      .onFailure(err -> LOG.warn("looking up which releases {} still holds failed", owner, err));
  }

  private void countActive() {
    pool.query("select count(*) from releases where state in ('running', 'awaiting_approval', 'paused')").execute()
      .onSuccess(rows -> metrics.activeReleases(rows.iterator().next().getLong(0)))
      .onFailure(err -> LOG.warn("counting the active releases failed; hmd_releases_active keeps its last value", err));
  }
}
