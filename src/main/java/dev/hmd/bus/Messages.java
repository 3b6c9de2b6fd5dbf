package dev.hmd.bus;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.cloudflare.VersionTelemetry;
import dev.hmd.cloudflare.WorkerDeployment;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Instant;
import java.util.Map;

/** The records sent over the event bus, one per address of {@link Addresses}. */
public final class Messages {

  private Messages() {
  }

  /** Look at this release now rather than at its due time. */
  public record ReleaseKick(String tenantId, String releaseId) {
  }

  /** Webhook deliveries of a tenant were committed; look for due ones now. */
  public record DeliveriesDue(String tenantId) {
  }

  /** Events up to {@code lastEventId} of a tenant are committed. */
  public record EventsCommitted(String tenantId, long lastEventId) {
  }

  /**
   * Make the Worker serve {@code split}. {@code knownDeploymentId} is the deployment the
   * release last saw serving (its own, or the one before it started): finding another one there
   * that is not marked with {@code marker} means someone deployed from outside.
   */
  public record ApplySplit(String tenantId, String releaseId, String accountId, String script, String token,
                           TrafficSplit split, String message, String knownDeploymentId, String marker) {
    @Override
    public String toString() {
      return "ApplySplit[" + releaseId + " " + accountId + "/" + script + " " + split + "]";
    }
  }

  /** What the deployer found or did. */
  public record SplitResult(Outcome outcome, WorkerDeployment deployment) {
    public enum Outcome {
      /** The wanted split serves now (it did already, or the deployer made and read back a deployment). */
      APPLIED,
      /** Someone else deployed since the release last looked; nothing was written. */
      EXTERNAL
    }
  }

  /**
   * The deployer's failure answer: the requester's future fails with it. It says what Cloudflare
   * answered, when it answered ({@code httpStatus} 0 and {@code cloudflareCode} null when nothing
   * came back), and whether the refusal is {@code permanent}: an answer that asking again will
   * not change (a 4xx other than 408 and 429: a refused split, a revoked token), which a person
   * has to act on. The scheduler asks again either way.
   */
  public static final class SplitFailed extends ReplyException {

    /** The event-bus failure code of every deployer failure. */
    public static final int FAILURE_CODE = 502;

    private final int httpStatus;
    private final Integer cloudflareCode;
    private final String cloudflareMessage;
    private final boolean permanent;

    public SplitFailed(String message, int httpStatus, Integer cloudflareCode, String cloudflareMessage,
                       boolean permanent) {
      super(ReplyFailure.RECIPIENT_FAILURE, FAILURE_CODE, message, true);
      this.httpStatus = httpStatus;
      this.cloudflareCode = cloudflareCode;
      this.cloudflareMessage = cloudflareMessage;
      this.permanent = permanent;
    }

    public int httpStatus() {
      return httpStatus;
    }

    public Integer cloudflareCode() {
      return cloudflareCode;
    }

    /** Cloudflare's own words, or what went wrong locally. */
    public String cloudflareMessage() {
      return cloudflareMessage;
    }

    public boolean permanent() {
      return permanent;
    }
  }

  /** Per-version telemetry of one Worker over {@code [from, to)}. */
  public record CheckRequest(String tenantId, String releaseId, String accountId, String script, String token,
                             Instant from, Instant to) {
    @Override
    public String toString() {
      return "CheckRequest[" + releaseId + " " + accountId + "/" + script + " " + from + ".." + to + "]";
    }
  }

  /** Stats of every version of the Worker that served in the window, by version id. */
  public record CheckTelemetry(Map<String, VersionTelemetry> byVersion) {
    public CheckTelemetry {
      byVersion = Map.copyOf(byVersion);
    }
  }
}
