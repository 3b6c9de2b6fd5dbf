package dev.hmd.notify;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.DeliveriesDue;
import dev.hmd.events.ChangeFeed;
import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import dev.hmd.notify.DeliveryRepository.Claimed;
import dev.hmd.notify.DeliveryRepository.Status;
import dev.hmd.retry.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Sends webhook deliveries. It claims the due ones (with {@code FOR UPDATE SKIP LOCKED} and a
 * lease, so however many processes run, each delivery is sent by one at a time), signs and POSTs
 * each, marks it delivered on a 2xx, else schedules the next attempt with exponential backoff
 * until the last one fails it. It looks when woken (a Postgres NOTIFY from the enqueueing
 * transaction reaches every process on commit; the event bus wakes this one at once), when a
 * retry comes due, and every poll interval in case a wake-up was lost.
 */
public final class NotifierVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NotifierVerticle.class);
  /** Deliveries claimed per query. */
  public static final int CLAIM_BATCH = 50;
  /** Deliveries in flight per process at most. */
  public static final int MAX_IN_FLIGHT = 200;
  /** How much of an error message is kept in {@code lastError}. */
  static final int ERROR_MAX = 500;
  private static final String USER_AGENT = "Workers-HMD-Webhooks/1";
  static final String UNREACHABLE = "unreachable";
  static final String TIMED_OUT = "timed out";

  private final DeliveryRepository deliveries;
  private final WebhookRepository webhooks;
  private final MeterRegistry registry;
  private final WebhookSettings settings;
  private final String owner;
  private final ChangeFeed changes;
  private final Clock clock;
  private final Backoff backoff;
  private final Set<String> inFlight = new HashSet<>();
  private final Map<Status, Counter> results = new EnumMap<>(Status.class);
  private WebClient client;
  private Runnable unlisten = () -> { };
  private boolean claiming;
  private boolean claimAgain;
  private boolean stopping;
  private long pollTimer = -1;

  public NotifierVerticle(DeliveryRepository deliveries, WebhookRepository webhooks, MeterRegistry registry,
                          WebhookSettings settings, String owner, ChangeFeed changes, Clock clock) {
    this.deliveries = deliveries;
    this.webhooks = webhooks;
    this.registry = registry;
    this.settings = settings;
    this.owner = owner;
    this.changes = changes;
    this.clock = clock;
    this.backoff = new Backoff(settings.retryBase(), settings.retryMax(), Backoff.Jitter.QUARTER);
  }

  @Override
  public Future<?> start() {
    for (Status status : Status.values()) {
      String result = status == Status.PENDING ? "retried" : status.wireName();
      results.put(status, Counter.builder("hmd.webhook.deliveries").tag("result", result)
        .description("webhook delivery attempts, by result: delivered, retried (failed, another attempt comes), "
          + "failed (the last attempt failed)").register(registry));
    }
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false).setUserAgent(USER_AGENT)
      .setConnectTimeout((int) settings.timeout().toMillis()));
    Context context = vertx.getOrCreateContext();
    unlisten = changes.listen(DeliveryRepository.CHANNEL, payload -> context.runOnContext(v -> claim()));
    pollTimer = vertx.setPeriodic(settings.poll().toMillis(), id -> claim());
    return vertx.eventBus().<DeliveriesDue>consumer(Addresses.NOTIFY_KICK, message -> claim()).completion()
      .onSuccess(v -> claim());
  }

  /** Stops claiming, lets the attempts under way finish, then gives the leases up so another process sends at once. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    int polls = (int) (settings.timeout().toMillis() / 100) + 10;
    return waitForAttempts(polls)
      .compose(v -> deliveries.releaseLeases(owner))
      .onSuccess(n -> {
        if (n > 0) {
          LOG.info("released {} webhook delivery lease(s) of {}", n, owner);
        }
      })
      .recover(err -> {
        // the leases run out by themselves; another process then sends a little later
        LOG.warn("could not give the webhook delivery leases of {} back", owner, err);
        return Future.succeededFuture();
      })
      .onComplete(v -> {
        unlisten.run();
        client.close();
      });
  }

  private Future<Void> waitForAttempts(int polls) {
    if (inFlight.isEmpty() || polls == 0) {
      return Future.succeededFuture();
    }
    return vertx.timer(100).compose(v -> waitForAttempts(polls - 1));
  }

  /** One claim at a time; a wake-up during one makes another right after it. */
  private void claim() {
    if (stopping) {
      return;
    }
    if (claiming) {
      claimAgain = true;
      return;
    }
    int room = Math.min(CLAIM_BATCH, MAX_IN_FLIGHT - inFlight.size());
    if (room <= 0) {
      claimAgain = true;
      return;
    }
    claiming = true;
    claimAgain = false;
    deliveries.claimDue(owner, settings.lease().toSeconds(), room).onComplete(result -> {
      claiming = false;
      if (result.failed()) {
        if (!stopping) {
          LOG.warn("claiming due webhook deliveries failed; the next poll tries again", result.cause());
        }
        return;
      }
      for (Claimed d : result.result()) {
        if (inFlight.add(d.id())) {
          attempt(d).onComplete(done -> {
            inFlight.remove(d.id());
            // the next delivery of the same release may have waited for this one
            claim();
          });
        }
      }
      if (claimAgain || result.result().size() == room) {
        vertx.runOnContext(v -> claim());
      }
    });
  }

  /** One attempt of one delivery, recorded; never fails. */
  private Future<Void> attempt(Claimed d) {
    String secret;
    try {
      secret = webhooks.openSecret(d.tenantId(), d.webhookId(), d.secretKeyId(), d.secretCiphertext());
    } catch (RuntimeException e) {
      return record(d, null, "the signing secret cannot be opened", e.getMessage());
    }
    Instant now = clock.instant();
    Buffer body = Buffer.buffer(body(d, now).encode());
    long timestamp = now.getEpochSecond();
    String signature = Signatures.sign(secret, timestamp, body.getBytes());
    return OutboundUrls.target(vertx, d.url(), settings.allowPrivate())
      .compose(target -> {
        if (target.refusal() != null) {
          return record(d, null, target.refusal(), null);
        }
        return client.requestAbs(HttpMethod.POST, target.address(), d.url())
          .timeout(settings.timeout().toMillis())
          .putHeader("Content-Type", "application/json")
          .putHeader("X-HMD-Event", d.event())
          .putHeader("X-HMD-Delivery", d.id())
          .putHeader("X-HMD-Timestamp", String.valueOf(timestamp))
          .putHeader("X-HMD-Signature", signature)
          .as(BodyCodec.none())
          .sendBuffer(body)
          .compose(response -> record(d, response.statusCode(), failure(response), null),
            err -> record(d, null, shown(err), OutboundUrls.scrub(message(err), d.url())));
      }, err -> record(d, null, UNREACHABLE, "the host does not resolve: " + message(err)))
      .recover(err -> {
        LOG.warn("webhook delivery {}: recording the attempt failed; its lease runs out and it is sent again", d.id(),
          err);
        return Future.succeededFuture();
      });
  }

  /** The body sent: the stored payload, the delivery's id and the time of this attempt. */
  static JsonObject body(Claimed d, Instant now) {
    JsonObject payload = d.payload();
    JsonObject body = new JsonObject().put("text", payload.getString("text")).put("event", payload.getString("event"))
      .put("release", payload.getValue("release"));
    if (payload.containsKey("webhook")) {
      body.put("webhook", payload.getValue("webhook"));
    }
    return body.put("deliveryId", d.id()).put("sentAt", Json.time(now));
  }

  /**
   * Null for a 2xx; else the status. Not the receiver's reason phrase: what a tenant reads of an
   * attempt is ours to word, never text from the other end of the connection.
   */
  private static String failure(HttpResponse<Void> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return null;
    }
    return "HTTP " + status + (status >= 300 && status < 400 ? " (redirects are not followed)" : "");
  }

  /**
   * What a tenant reads of an attempt that got no answer: "timed out" or "unreachable", never the
   * socket error ("Connection refused" against "No route to host" would make the delivery list a
   * port scanner). The socket error goes to the log.
   */
  static String shown(Throwable err) {
    return isTimeout(err) ? TIMED_OUT : UNREACHABLE;
  }

  /**
   * Records the attempt: delivered ({@code error} null), another attempt later, or failed for
   * good. {@code detail}, when there is one, is what the log says beside the tenant's {@code error}.
   */
  private Future<Void> record(Claimed d, Integer statusCode, String error, String detail) {
    int attempts = d.attempts() + 1;
    Status status = error == null ? Status.DELIVERED : attempts >= settings.maxAttempts() ? Status.FAILED
      : Status.PENDING;
    Duration wait = status == Status.PENDING
      ? backoff.after(attempts) : Duration.ZERO;
    String kept = error == null || error.length() <= ERROR_MAX ? error : error.substring(0, ERROR_MAX);
    results.get(status).increment();
    log(d, status, attempts, detail == null ? kept : kept + " (" + detail + ")", wait);
    return deliveries.recordAttempt(d, owner, status, statusCode, kept, wait.toMillis() / 1000.0)
      .map(recorded -> {
        if (recorded && status == Status.PENDING) {
          vertx.setTimer(Math.max(1, wait.toMillis()), id -> claim());
        }
        return null;
      });
  }

  private static void log(Claimed d, Status status, int attempts, String error, Duration wait) {
    MDC.put("tenantId", d.tenantId());
    if (d.releaseId() != null) {
      MDC.put("releaseId", d.releaseId());
    }
    try {
      String where = d.webhookId() + " (" + OutboundUrls.origin(d.url()) + ")";
      switch (status) {
        case DELIVERED -> LOG.debug("webhook delivery {} ({}) to {} delivered at attempt {}", d.id(), d.event(), where,
          attempts);
        case PENDING ->
          LOG.info("webhook delivery {} ({}) to {}: attempt {} failed, next in {} ms: {}", d.id(), d.event(),
          where, attempts, wait.toMillis(), error);
        case FAILED ->
          LOG.warn("webhook delivery {} ({}) to {} failed for good after {} attempts: {}", d.id(), d.event(),
          where, attempts, error);
      }
    } finally {
      MDC.remove("tenantId");
      MDC.remove("releaseId");
    }
  }

  private static String message(Throwable err) {
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  private static boolean isTimeout(Throwable err) {
    String message = message(err).toLowerCase(java.util.Locale.ROOT);
    return err instanceof java.util.concurrent.TimeoutException || message.contains("timeout")
      || message.contains("timed out");
  }
}
