package dev.hmd.scheduler;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.GateAnswer;
import dev.hmd.bus.Messages.GateCall;
import dev.hmd.bus.Messages.SmokeAnswer;
import dev.hmd.bus.Messages.SmokeResult;
import dev.hmd.bus.Messages.SmokeRun;
import dev.hmd.connections.ConnectionTokens;
import dev.hmd.events.EventLog.NewEvent;
import dev.hmd.releases.ReleaseView;
import dev.hmd.retry.Backoff;
import dev.hmd.slo.ControlState;
import dev.hmd.slo.Gate;
import dev.hmd.slo.ReleaseInput;
import dev.hmd.slo.SmokeTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of a step that drives the gates and the smoke test a release waits for
 * (docs/engine.md, "Release controls"). Level-triggered like the rest of a step: what is owed is
 * read from the row (the machine's {@link ControlState} and the record of attempts in the
 * {@code controls} column), so a process that dies between attempts loses nothing but the attempt
 * under way, which the next step makes again.
 *
 * <p>Each attempt is recorded in the row ({@code smokeTest}, {@code gates}) and as a {@code smoke}
 * or {@code gate} event in the step's save; the outcome goes into the machine as
 * {@link ReleaseInput.GatePassed}, {@link ReleaseInput.GateFailed},
 * {@link ReleaseInput.SmokeTestPassed} or {@link ReleaseInput.SmokeTestFailed}.
 */
final class ReleaseControls {

  private static final Logger LOG = LoggerFactory.getLogger(ReleaseControls.class);
  /**
   * After the 0% deployment is confirmed serving, before the first smoke attempt: Cloudflare
   * ignores version overrides for a few seconds after a deployment changes. An attempt that comes
   * too early is not wasted, only not confirmed, and made again.
   */
  static final Duration SMOKE_SETTLE = Duration.ofSeconds(3);
  /** Attempts whose answers could not be confirmed to come from the new version before the smoke test fails. */
  static final int SMOKE_ATTEMPTS = 6;
  private static final Backoff SMOKE_BACKOFF = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(15),
    Backoff.Jitter.QUARTER);
  /** Between two attempts at a gate that did not answer 2xx; the last one comes at its deadline. */
  private static final Backoff GATE_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30),
    Backoff.Jitter.QUARTER);
  /** Attempts kept per gate and of the smoke test in the release; the older ones are counted, not kept. */
  static final int KEPT_ATTEMPTS = 10;
  /** Failed answers named in a smoke attempt's record. */
  static final int KEPT_FAILURES = 20;
  private static final Duration BUS_TIMEOUT = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final ConnectionTokens tokens;
  private final Duration telemetryLag;

  ReleaseControls(Vertx vertx, ConnectionTokens tokens, Duration telemetryLag) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.telemetryLag = telemetryLag;
  }

  /** Runs what is due of the gates or the smoke test the release waits for; {@code input} feeds the machine. */
  Future<Void> run(Stepper.Step s, Consumer<ReleaseInput> input) {
    ControlState.Waiting waiting = s.state.waiting();
    if (s.state.isTerminal() || waiting == null) {
      return Future.succeededFuture();
    }
    return waiting.kind() == ControlState.Kind.SMOKE_TEST ? smoke(s, waiting, input) : gates(s, waiting, input);
  }

  // ---- gates

  private Future<Void> gates(Stepper.Step s, ControlState.Waiting waiting, Consumer<ReleaseInput> input) {
    List<Gate> gates = waiting.kind() == ControlState.Kind.START_GATES ? s.plan.gatesBeforeStart()
      : s.plan.gatesBeforeStage(waiting.stageIndex());
    Integer stageIndex = waiting.kind() == ControlState.Kind.START_GATES ? null : waiting.stageIndex();
    List<Future<Void>> attempts = new ArrayList<>();
    List<Runnable> outcomes = new ArrayList<>();
    for (Gate gate : gates) {
      if (waiting.passedGates().contains(gate.name())) {
        continue;
      }
      JsonObject record = gateRecord(s, gate, stageIndex, waiting.since());
      Instant next = Instant.parse(record.getString("nextAttemptAt"));
      if (s.now.isBefore(next)) {
        s.wake(next);
        continue;
      }
      int attempt = record.getInteger("attempts") + 1;
      GateCall call = new GateCall(s.row.tenantId(), s.row.id(), s.row.connectionId(), gate.name(), gate.url(),
        gate.when().wireName(), stageIndex, attempt, ReleaseView.toJson(s.row));
      attempts.add(vertx.eventBus().<GateAnswer>request(Addresses.CONTROLS_GATE, call,
          new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis()))
        .map(reply -> reply.body())
        .recover(err -> Future.succeededFuture(new GateAnswer(null, "not asked: " + err.getMessage(), 0)))
        .map(answer -> {
          // recorded in order once every attempt of this step is back, so that two gates never race on the row
          outcomes.add(() -> recordGate(s, gate, stageIndex, waiting.since(), attempt, answer, input));
          return null;
        }));
    }
    return Future.all(attempts).map(v -> {
      outcomes.forEach(Runnable::run);
      return null;
    });
  }

  private void recordGate(Stepper.Step s, Gate gate, Integer stageIndex, Instant since, int attempt, GateAnswer answer,
                          Consumer<ReleaseInput> input) {
    JsonObject record = gateRecord(s, gate, stageIndex, since);
    Instant deadline = Instant.parse(record.getString("deadline"));
    Instant at = s.now;
    JsonObject entry = new JsonObject().put("attempt", attempt).put("at", time(at)).put("status", answer.status())
      .put("error", answer.error()).put("durationMs", answer.durationMs());
    JsonArray last = record.getJsonArray("last", new JsonArray()).copy().add(entry);
    while (last.size() > KEPT_ATTEMPTS) {
      last.remove(0);
    }
    record.put("attempts", attempt).put("last", last);
    String detail = answer.error() == null ? "HTTP " + answer.status() : answer.error();
    if (answer.passed()) {
      record.put("state", "passed").put("finishedAt", time(at)).putNull("nextAttemptAt");
    } else if (!at.isBefore(deadline)) {
      record.put("state", "failed").put("finishedAt", time(at)).putNull("nextAttemptAt");
    } else {
      Instant next = at.plus(GATE_BACKOFF.after(attempt));
      record.put("nextAttemptAt", time(next.isAfter(deadline) ? deadline : next));
      s.wake(next.isAfter(deadline) ? deadline : next);
    }
    putGateRecord(s, record);
    s.events.add(new NewEvent(s.row.id(), "gate", new JsonObject().put("releaseId", s.row.id())
      .put("gate", gate.name()).put("when", gate.when().wireName()).put("stageIndex", stageIndex)
      .put("state", record.getString("state")).put("attempt", attempt).put("at", time(at))
      .put("status", answer.status()).put("error", answer.error()).put("durationMs", answer.durationMs())
      .put("deadline", record.getString("deadline"))));
    s.changed = true;
    Stepper.about(LOG.atInfo(), s.row)
      .log("release {}: gate '{}' attempt {}: {} ({})", s.row.id(), gate.name(), attempt,
      answer.passed() ? "passed" : detail, record.getString("state"));
    if (answer.passed()) {
      input.accept(new ReleaseInput.GatePassed(at, gate.name()));
    } else if ("failed".equals(record.getString("state"))) {
      input.accept(new ReleaseInput.GateFailed(at, gate.name(), "no 2xx within " + gate.timeoutSeconds() + " s ("
        + attempt + " attempt" + (attempt == 1 ? "" : "s") + "; last: " + detail + ")"));
    }
  }

  /**
   * The record of a gate asked at one point of the release (its {@code since}), made when first
   * needed: {@code {name, when, stageIndex, state, startedAt, deadline, attempts, nextAttemptAt, finishedAt, last}}.
   */
  private JsonObject gateRecord(Stepper.Step s, Gate gate, Integer stageIndex, Instant since) {
    for (Object item : gatesOf(s)) {
      JsonObject record = (JsonObject) item;
      if (gate.name().equals(record.getString("name")) && time(since).equals(record.getString("startedAt"))) {
        return record.copy();
      }
    }
    JsonObject record = new JsonObject().put("name", gate.name()).put("when", gate.when().wireName())
      .put("stageIndex", stageIndex).put("state", "waiting").put("startedAt", time(since))
      .put("deadline", time(since.plusSeconds(gate.timeoutSeconds()))).put("attempts", 0)
      .put("nextAttemptAt", time(since)).putNull("finishedAt").put("last", new JsonArray());
    putGateRecord(s, record);
    return record.copy();
  }

  private static JsonArray gatesOf(Stepper.Step s) {
    return s.row.controls().state().getJsonArray("gates", new JsonArray());
  }

  private static void putGateRecord(Stepper.Step s, JsonObject record) {
    JsonArray gates = gatesOf(s).copy();
    for (int i = 0; i < gates.size(); i++) {
      JsonObject existing = gates.getJsonObject(i);
      if (existing.getString("name").equals(record.getString("name"))
        && existing.getString("startedAt").equals(record.getString("startedAt"))) {
        gates.set(i, record);
        s.row = s.row.withControls(s.row.controls().withState(s.row.controls().state().copy().put("gates", gates)));
        return;
      }
    }
    gates.add(record);
    s.row = s.row.withControls(s.row.controls().withState(s.row.controls().state().copy().put("gates", gates)));
  }

  // ---- smoke test

  private Future<Void> smoke(Stepper.Step s, ControlState.Waiting waiting, Consumer<ReleaseInput> input) {
    SmokeTest test = s.plan.smokeTest();
    Instant applied = s.state.controls().standbyAppliedAt();
    JsonObject record = smokeRecord(s, waiting.since());
    if (test == null || applied == null) {
      // the 0% deployment is not serving yet: the split step asks for it, and confirms it
      return Future.succeededFuture();
    }
    Instant next = record.getString("nextAttemptAt") == null ? applied.plus(SMOKE_SETTLE)
      : Instant.parse(record.getString("nextAttemptAt"));
    if (s.now.isBefore(next)) {
      s.wake(next);
      return Future.succeededFuture();
    }
    int attempt = record.getJsonArray("attempts", new JsonArray()).size() + record.getInteger("dropped", 0) + 1;
    return tokens.token(s.row.tenantId(), s.row.connectionId())
      .compose(token -> vertx.eventBus().<SmokeResult>request(Addresses.CONTROLS_SMOKE,
        new SmokeRun(s.row.tenantId(), s.row.id(), s.row.accountId(), s.row.workerName(), token, s.row.newVersionId(),
          test, telemetryLag), new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis())))
      .map(reply -> {
        recordSmoke(s, test, waiting.since(), attempt, reply.body(), input);
        return (Void) null;
      })
      .recover(err -> {
        // the attempt could not be made at all (the token, the bus): try again a little later, uncounted
        Stepper.about(LOG.atWarn(), s.row).setCause(err).log("release {}: smoke attempt {} could not be made",
          s.row.id(), attempt);
        s.retryAt = s.now.plus(SMOKE_BACKOFF.after(attempt));
        return Future.succeededFuture();
      });
  }

  private void recordSmoke(Stepper.Step s, SmokeTest test, Instant since, int attempt, SmokeResult result,
                           Consumer<ReleaseInput> input) {
    Instant at = s.now;
    List<SmokeAnswer> bad = result.answers().stream().filter(a -> !a.ok()).toList();
    long sent = result.answers().size();
    boolean confirmed = result.newVersionRequests() != null && result.newVersionRequests() >= sent;
    String verdict;
    String detail;
    if (!confirmed) {
      verdict = "unconfirmed";
      detail = result.telemetryError() != null ? result.telemetryError()
        : "telemetry shows " + result.newVersionRequests() + " of " + sent + " requests reached the new version "
          + "(Cloudflare ignores a version override for a few seconds after a deployment)";
    } else if (bad.size() > test.maxFailures()) {
      verdict = "fail";
      detail = bad.size() + " of " + sent + " answers were not as expected (maxFailures " + test.maxFailures() + "): "
        + bad.stream().limit(3).map(ReleaseControls::answerText).collect(Collectors.joining("; "));
    } else {
      verdict = "pass";
      detail = (sent - bad.size()) + " of " + sent + " answers as expected";
    }
    JsonArray failures = new JsonArray();
    bad.stream().limit(KEPT_FAILURES).forEach(a -> failures.add(answerJson(a)));
    JsonObject entry = new JsonObject().put("attempt", attempt).put("at", time(result.startedAt()))
      .put("endedAt", time(result.endedAt())).put("sent", sent).put("failures", bad.size())
      .put("newVersionRequests", result.newVersionRequests()).put("confirmed", confirmed).put("verdict", verdict)
      .put("detail", detail).put("failed", failures);
    JsonObject record = smokeRecord(s, since);
    JsonArray attempts = record.getJsonArray("attempts", new JsonArray()).copy().add(entry);
    int dropped = record.getInteger("dropped", 0);
    while (attempts.size() > KEPT_ATTEMPTS) {
      attempts.remove(0);
      dropped++;
    }
    record.put("attempts", attempts).put("dropped", dropped);
    ReleaseInput outcome = null;
    if ("pass".equals(verdict)) {
      record.put("state", "passed").put("finishedAt", time(at)).putNull("nextAttemptAt");
      outcome = new ReleaseInput.SmokeTestPassed(at);
    } else if ("fail".equals(verdict)) {
      record.put("state", "failed").put("finishedAt", time(at)).putNull("nextAttemptAt");
      outcome = new ReleaseInput.SmokeTestFailed(at, detail);
    } else if (attempt >= SMOKE_ATTEMPTS) {
      record.put("state", "failed").put("finishedAt", time(at)).putNull("nextAttemptAt");
      outcome = new ReleaseInput.SmokeTestFailed(at,
        "its answers could not be confirmed to come from the new version in "
        + attempt + " attempts: " + detail);
    } else {
      Instant next = at.plus(SMOKE_BACKOFF.after(attempt));
      record.put("nextAttemptAt", time(next));
      s.wake(next);
    }
    s.row = s.row.withControls(s.row.controls().withState(s.row.controls().state().copy().put("smokeTest", record)));
    s.events.add(new NewEvent(s.row.id(), "smoke", entry.copy().put("releaseId", s.row.id())
      .put("state", record.getString("state"))));
    s.changed = true;
    Stepper.about(LOG.atInfo(), s.row)
      .log("release {}: smoke attempt {}: {} ({})", s.row.id(), attempt, verdict, detail);
    if (outcome != null) {
      input.accept(outcome);
    }
  }

  /** {@code {state, startedAt, finishedAt, nextAttemptAt, attempts, dropped}}, made when first needed. */
  private static JsonObject smokeRecord(Stepper.Step s, Instant since) {
    JsonObject existing = s.row.controls().state().getJsonObject("smokeTest");
    if (existing != null) {
      return existing.copy();
    }
    JsonObject record = new JsonObject().put("state", "running").put("startedAt", time(since)).putNull("finishedAt")
      .putNull("nextAttemptAt").put("attempts", new JsonArray()).put("dropped", 0);
    s.row = s.row.withControls(s.row.controls().withState(s.row.controls().state().copy().put("smokeTest", record)));
    return record.copy();
  }

  private static JsonObject answerJson(SmokeAnswer a) {
    return new JsonObject().put("method", a.method()).put("path", a.path()).put("status", a.status())
      .put("error", a.error()).put("durationMs", a.durationMs());
  }

  private static String answerText(SmokeAnswer a) {
    return a.method() + " " + a.path() + " " + (a.status() == null ? a.error() : "answered " + a.status());
  }

  private static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
