package dev.hmd.controls;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.GateAnswer;
import dev.hmd.bus.Messages.GateCall;
import dev.hmd.bus.Messages.SmokeAnswer;
import dev.hmd.bus.Messages.SmokeResult;
import dev.hmd.bus.Messages.SmokeRun;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import dev.hmd.notify.Signatures;
import dev.hmd.slo.SmokeTest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the outbound calls of the release controls, on request of the scheduler: one attempt at a
 * gate (a signed POST of the release, like a webhook), or one attempt of a smoke test (its
 * requests to the new version at 0%, with {@code Cloudflare-Workers-Version-Overrides}, then a
 * telemetry query filtered on that version). Every request is answered, failures included: the
 * scheduler records each attempt and decides what comes next.
 */
public final class ControlsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ControlsVerticle.class);
  public static final String OVERRIDES_HEADER = "Cloudflare-Workers-Version-Overrides";
  static final String USER_AGENT = "Workers-HMD-Controls/1";
  /** The event a gate is told about, in {@code X-HMD-Event} and the body. */
  public static final String GATE_EVENT = "release.gate";
  /** How much of a failure's message is kept. */
  static final int ERROR_MAX = 300;
  /**
   * Telemetry counts a request in the second it arrived, or (when that second was already
   * generated) in the next: the window read after an attempt reaches this far past its last request.
   */
  static final Duration TELEMETRY_SLACK = Duration.ofSeconds(2);
  /** Smoke requests in flight at once. */
  static final int SMOKE_PARALLEL = 8;

  private final CloudflareClient cloudflare;
  private final GateSecrets secrets;
  private final ControlSettings settings;
  private final Clock clock;
  private WebClient client;

  public ControlsVerticle(CloudflareClient cloudflare, GateSecrets secrets, ControlSettings settings, Clock clock) {
    this.cloudflare = cloudflare;
    this.secrets = secrets;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setUserAgent(USER_AGENT)
      .setConnectTimeout((int) settings.timeout().toMillis()));
    return Future.all(
      vertx.eventBus().<GateCall>consumer(Addresses.CONTROLS_GATE, this::gate).completion(),
      vertx.eventBus().<SmokeRun>consumer(Addresses.CONTROLS_SMOKE, this::smoke).completion());
  }

  @Override
  public Future<?> stop() {
    client.close();
    return Future.succeededFuture();
  }

  // ---- gates

  private void gate(Message<GateCall> message) {
    GateCall call = message.body();
    long started = System.nanoTime();
    Future.succeededFuture().compose(v -> ask(call))
      .recover(err -> Future.succeededFuture(new GateAnswer(null, describe(err, call.url()), elapsed(started))))
      .onSuccess(message::reply);
  }

  private Future<GateAnswer> ask(GateCall call) {
    long started = System.nanoTime();
    return target(call.url()).compose(target -> {
      if (target.refusal() != null) {
        return Future.succeededFuture(new GateAnswer(null, target.refusal(), elapsed(started)));
      }
      return secrets.secret(call.tenantId(), call.connectionId()).compose(secret -> {
        Instant now = clock.instant();
        JsonObject body = new JsonObject()
          .put("event", GATE_EVENT)
          .put("gate", new JsonObject().put("name", call.gate()).put("when", call.when())
            .put("stageIndex", call.stageIndex()))
          .put("attempt", call.attempt())
          .put("release", call.release())
          .put("sentAt", Json.time(now));
        Buffer bytes = body.toBuffer();
        long timestamp = now.getEpochSecond();
        return client.requestAbs(HttpMethod.POST, target.address(), call.url())
          .timeout(settings.timeout().toMillis())
          .putHeader("Content-Type", "application/json")
          .putHeader("X-HMD-Event", GATE_EVENT)
          .putHeader("X-HMD-Gate", call.gate())
          .putHeader("X-HMD-Delivery", call.releaseId() + ":" + call.gate() + ":" + call.attempt())
          .putHeader("X-HMD-Timestamp", String.valueOf(timestamp))
          .putHeader("X-HMD-Signature", Signatures.sign(secret, timestamp, bytes.getBytes()))
          .as(BodyCodec.none())
          .sendBuffer(bytes)
          .map(response -> new GateAnswer(response.statusCode(), failure(response), elapsed(started)));
      });
    });
  }

  /** Null for a 2xx; else why the answer does not let the release go on. */
  private static String failure(HttpResponse<?> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return null;
    }
    String reason = response.statusMessage() == null || response.statusMessage().isEmpty() ? ""
      : " " + response.statusMessage();
    return "HTTP " + status + reason + (status >= 300 && status < 400 ? " (redirects are not followed)" : "");
  }

  // ---- smoke test

  private void smoke(Message<SmokeRun> message) {
    SmokeRun run = message.body();
    Future.succeededFuture().compose(v -> attempt(run))
      .onSuccess(message::reply)
      .onFailure(err -> {
        LOG.atWarn().addKeyValue("tenantId", run.tenantId()).addKeyValue("releaseId", run.releaseId()).setCause(err)
          .log("release {}: smoke attempt failed", run.releaseId());
        message.fail(502, String.valueOf(err.getMessage()));
      });
  }

  private Future<SmokeResult> attempt(SmokeRun run) {
    SmokeTest test = run.smokeTest();
    Instant startedAt = clock.instant();
    return target(test.url()).compose(target -> {
      if (target.refusal() != null) {
        List<SmokeAnswer> none = new ArrayList<>();
        test.requests().forEach(r -> none.add(new SmokeAnswer(r.method(), r.path(), null, false, target.refusal(), 0)));
        return Future.succeededFuture(new SmokeResult(startedAt, clock.instant(), none, null, target.refusal()));
      }
      List<SmokeTest.SmokeRequest> all = new ArrayList<>();
      for (int i = 0; i < test.repeat(); i++) {
        all.addAll(test.requests());
      }
      SmokeAnswer[] answers = new SmokeAnswer[all.size()];
      // a few at a time, in the order a person wrote them: a slow Worker costs an attempt
      // requests / SMOKE_PARALLEL timeouts at most, not one per request
      Future<Void> sent = Future.succeededFuture();
      for (int from = 0; from < all.size(); from += SMOKE_PARALLEL) {
        int start = from;
        sent = sent.compose(v -> {
          List<Future<Void>> batch = new ArrayList<>();
          for (int i = start; i < Math.min(all.size(), start + SMOKE_PARALLEL); i++) {
            int at = i;
            batch.add(send(run, target.address(), all.get(at)).map(answer -> {
              answers[at] = answer;
              return null;
            }));
          }
          return Future.all(batch).mapEmpty();
        });
      }
      return sent.compose(v -> confirm(run, startedAt, clock.instant(), List.of(answers)));
    });
  }

  private Future<SmokeAnswer> send(SmokeRun run, SocketAddress address, SmokeTest.SmokeRequest request) {
    long started = System.nanoTime();
    String url = join(run.smokeTest().url(), request.path());
    return client.requestAbs(HttpMethod.valueOf(request.method()), address, url)
      .timeout(settings.timeout().toMillis())
      .putHeader(OVERRIDES_HEADER, run.script() + "=\"" + run.newVersionId() + "\"")
      .as(BodyCodec.none())
      .send()
      .map(response -> new SmokeAnswer(request.method(), request.path(), response.statusCode(),
        request.expects(response.statusCode()), null, elapsed(started)))
      .recover(err -> Future.succeededFuture(new SmokeAnswer(request.method(), request.path(), null, false,
        describe(err, url), elapsed(started))));
  }

  /**
   * Waits until telemetry of the attempt's seconds has arrived ({@code telemetryLag} late), then
   * counts the new version's invocations in them.
   */
  private Future<SmokeResult> confirm(SmokeRun run, Instant startedAt, Instant endedAt, List<SmokeAnswer> answers) {
    Instant from = startedAt.truncatedTo(ChronoUnit.SECONDS);
    Instant to = endedAt.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).plus(TELEMETRY_SLACK);
    long wait = Math.max(1, Duration.between(clock.instant(), to.plus(run.telemetryLag())).toMillis());
    return vertx.timer(wait)
      .compose(v ->
        cloudflare.versionRequests(run.token(), run.accountId(), run.script(), run.newVersionId(), from, to))
      .map(count -> new SmokeResult(startedAt, endedAt, answers, count, null))
      .recover(err -> Future.succeededFuture(new SmokeResult(startedAt, endedAt, answers, null,
        "telemetry could not be read: " + shortened(String.valueOf(err.getMessage())))));
  }

  /** The smoke test's base URL and a request's path, without a doubled slash. */
  static String join(String url, String path) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) + path : url + path;
  }

  // ---- shared

  /**
   * Where a call to this URL connects: the address judged once (with private addresses refused,
   * every address of the host must be public), so that DNS cannot answer differently between the
   * check and the connection; or why it may not be made, also when the host does not resolve.
   */
  private Future<OutboundUrls.Target> target(String url) {
    return OutboundUrls.target(vertx, url, settings.allowPrivate())
      .recover(err -> Future.succeededFuture(new OutboundUrls.Target(null, "unreachable: the host "
        + OutboundUrls.host(url) + " does not resolve")));
  }

  private static String describe(Throwable err, String url) {
    String message = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    if (err instanceof java.util.concurrent.TimeoutException || message.toLowerCase(Locale.ROOT).contains("timeout")) {
      message = "timed out: " + message;
    }
    return shortened(OutboundUrls.scrub(message, url));
  }

  private static String shortened(String text) {
    return text.length() <= ERROR_MAX ? text : text.substring(0, ERROR_MAX - 1) + "…";
  }

  private static long elapsed(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }
}
