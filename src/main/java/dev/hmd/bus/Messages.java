package dev.hmd.bus;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.cloudflare.VersionTelemetry;
import dev.hmd.cloudflare.WorkerDeployment;
import dev.hmd.slo.SmokeTest;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

  /**
   * One attempt at gate {@code gate} of a release: POST {@code release} to {@code url}, signed with
   * the connection's gate secret. {@code when} and {@code stageIndex} (the stage the gate holds back;
   * null before the start) are told to the gate.
   */
  public record GateCall(String tenantId, String releaseId, String connectionId, String gate, String url, String when,
                         Integer stageIndex, int attempt, JsonObject release) {
    @Override
    public String toString() {
      return "GateCall[" + releaseId + " " + gate + " #" + attempt + "]";
    }
  }

  /** What a gate answered: its HTTP status, or (status null) why there was no answer; {@code error} null on a 2xx. */
  public record GateAnswer(Integer status, String error, long durationMs) {
    public boolean passed() {
      return error == null && status != null && status >= 200 && status < 300;
    }
  }

  /**
   * One attempt of a smoke test: every request of {@code smokeTest}, {@code repeat} times, with
   * {@code Cloudflare-Workers-Version-Overrides} naming {@code newVersionId}; then, once telemetry
   * {@code telemetryLag} late has arrived, how many invocations that version had meanwhile.
   */
  public record SmokeRun(String tenantId, String releaseId, String accountId, String script, String token,
                         String newVersionId, SmokeTest smokeTest, Duration telemetryLag) {
    @Override
    public String toString() {
      return "SmokeRun[" + releaseId + " " + accountId + "/" + script + " " + newVersionId + "]";
    }
  }

  /**
   * One answer of a smoke request: its status (null when none came, {@code error} says why) and whether it was
   * expected.
   */
  public record SmokeAnswer(String method, String path, Integer status, boolean ok, String error, long durationMs) {
  }

  /**
   * What a smoke attempt saw: the answers, and the new version's invocations over the attempt's
   * seconds ({@code newVersionRequests}, null when telemetry could not be read: {@code telemetryError}).
   */
  public record SmokeResult(Instant startedAt, Instant endedAt, List<SmokeAnswer> answers, Long newVersionRequests,
                            String telemetryError) {
    public SmokeResult {
      answers = List.copyOf(answers);
    }
  }
}
