package dev.hmd.deploy;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.ApplySplit;
import dev.hmd.bus.Messages.SplitFailed;
import dev.hmd.bus.Messages.SplitResult;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.CloudflareException;
import dev.hmd.cloudflare.WorkerDeployment;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Cloudflare serve the split a release wants, level-triggered: read what serves, write only
 * when it differs, read it back. It never overwrites a deployment somebody else made. A failure
 * is answered as a failure ({@link SplitFailed}, with what Cloudflare said and whether asking
 * again can help); the scheduler asks again later, so a rollback is retried until it lands.
 */
public final class DeployerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeployerVerticle.class);
  public static final int FAILURE_CODE = SplitFailed.FAILURE_CODE;

  private final CloudflareClient cloudflare;

  public DeployerVerticle(CloudflareClient cloudflare) {
    this.cloudflare = cloudflare;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<ApplySplit>consumer(Addresses.DEPLOY_APPLY, this::handle).completion();
  }

  private void handle(Message<ApplySplit> message) {
    ApplySplit wanted = message.body();
    // composed, so that whatever apply throws is answered too, rather than left to the requester's timeout
    Future.succeededFuture().compose(v -> apply(wanted))
      .onSuccess(message::reply)
      .onFailure(err -> {
        SplitFailed failed = failure(err);
        LOG.atWarn().addKeyValue("tenantId", wanted.tenantId()).addKeyValue("releaseId", wanted.releaseId())
          .setCause(err).log("release {}: split {} not applied{}", wanted.releaseId(), wanted.split(),
            failed.permanent() ? " (a refusal that asking again will not change)" : "");
        message.reply(failed);
      });
  }

  /**
   * The failure as the scheduler gets it. A Cloudflare answer is permanent when it is a 4xx that
   * asking again does not change: anything but 408 and 429 (a split Cloudflare refuses, a revoked
   * token, a deleted Worker).
   */
  static SplitFailed failure(Throwable err) {
    if (err instanceof CloudflareException cf) {
      boolean permanent = !cf.retryable() && cf.httpStatus() >= 400 && cf.httpStatus() < 500;
      return new SplitFailed(cf.getMessage(), cf.httpStatus(), cf.code().orElse(null),
        cf.cloudflareMessage() == null ? cf.getMessage() : cf.cloudflareMessage(), permanent);
    }
    return new SplitFailed("deployer failed: " + err, 0, null, String.valueOf(err.getMessage()), false);
  }

  Future<SplitResult> apply(ApplySplit wanted) {
    return cloudflare.currentDeployment(wanted.token(), wanted.accountId(), wanted.script())
      .compose(current -> {
        if (current.split().sameDeployment(wanted.split())) {
          return Future.succeededFuture(new SplitResult(SplitResult.Outcome.APPLIED, current));
        }
        if (isExternal(current, wanted)) {
          return Future.succeededFuture(new SplitResult(SplitResult.Outcome.EXTERNAL, current));
        }
        return cloudflare.createDeployment(wanted.token(), wanted.accountId(), wanted.script(),
            wanted.split().versions(), wanted.message())
          .compose(created -> cloudflare.currentDeployment(wanted.token(), wanted.accountId(), wanted.script()))
          .compose(readBack -> readBack.split().sameDeployment(wanted.split())
            ? Future.succeededFuture(new SplitResult(SplitResult.Outcome.APPLIED, readBack))
            : Future.failedFuture(new IllegalStateException("read back " + readBack.split() + " after deploying "
              + wanted.split())));
      });
  }

  /** Serving something neither we made nor the release started from: somebody deployed from outside. */
  static boolean isExternal(WorkerDeployment current, ApplySplit wanted) {
    if (wanted.knownDeploymentId() == null || current.id().equals(wanted.knownDeploymentId())) {
      return false;
    }
    return current.message() == null || !current.message().contains(wanted.marker());
  }
}
