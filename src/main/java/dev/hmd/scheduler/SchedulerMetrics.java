package dev.hmd.scheduler;

import dev.hmd.slo.OutcomeCode;
import dev.hmd.slo.StageStatus;
import dev.hmd.slo.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The scheduler's meters (docs/engine.md, "Metrics"), registered once per process. */
final class SchedulerMetrics {

  private final MeterRegistry registry;
  private final AtomicLong active = new AtomicLong();
  private final Timer checkDuration;
  private final Timer rollbackLatency;
  private final Timer schedulerLag;
  private final Counter takeovers;
  private final Counter unreadable;
  private final Counter blocked;

  SchedulerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("hmd.releases.active", active, AtomicLong::get)
      .description("releases running or awaiting approval, across all processes").register(registry);
    checkDuration = Timer.builder("hmd.check.duration").description("from asking for telemetry to the verdict")
      .publishPercentileHistogram().register(registry);
    rollbackLatency = Timer.builder("hmd.rollback.latency")
      .description("from the end of the failing check's window to the rollback applied at Cloudflare")
      .publishPercentileHistogram().register(registry);
    schedulerLag = Timer.builder("hmd.scheduler.lag")
      .description("how late a check starts: when it ran minus when it was due").publishPercentileHistogram()
      .register(registry);
    takeovers = Counter.builder("hmd.lease.takeovers")
      .description("releases taken over from a process whose lease ran out")
      .register(registry);
    unreadable = Counter.builder("hmd.releases.unreadable")
      .description("releases this build could not read, ended failed without touching the Worker").register(registry);
    blocked = Counter.builder("hmd.deployments.blocked")
      .description(
        "releases whose deployment Cloudflare began refusing with an error that asking again will not change")
      .register(registry);
    // every outcome and verdict is a series from the start, at 0, so dashboards and alerts see them
    for (OutcomeCode code : OutcomeCode.values()) {
      outcomeCounter(code);
    }
    for (Verdict verdict : Verdict.values()) {
      checkCounter(verdict);
    }
  }

  void activeReleases(long count) {
    active.set(count);
  }

  void released(OutcomeCode outcome) {
    outcomeCounter(outcome).increment();
  }

  void checked(Verdict verdict, Duration took) {
    checkDuration.record(took);
    checkCounter(verdict).increment();
  }

  void checkLate(Duration lag) {
    schedulerLag.record(lag);
  }

  void rolledBack(Duration sinceFailingWindow) {
    rollbackLatency.record(sinceFailingWindow);
  }

  void takenOver() {
    takeovers.increment();
  }

  void unreadable() {
    unreadable.increment();
  }

  void blocked() {
    blocked.increment();
  }

  void stageEnded(StageStatus status, Duration took) {
    Timer.builder("hmd.stage.duration").tag("state", status.wireName())
      .description("from a stage's start to its end").register(registry).record(took);
  }

  private Counter outcomeCounter(OutcomeCode code) {
    return Counter.builder("hmd.release.outcomes").tag("outcome", code.wireName())
      .description("releases ended, by outcome")
      .register(registry);
  }

  private Counter checkCounter(Verdict verdict) {
    return Counter.builder("hmd.checks").tag("verdict", verdict.wireName()).description("checks completed, by verdict")
      .register(registry);
  }
}
