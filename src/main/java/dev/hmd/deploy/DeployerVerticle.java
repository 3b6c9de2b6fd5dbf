package dev.hmd.deploy;

import dev.hmd.bus.Addresses;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.CloudflareException;
import dev.hmd.cloudflare.WorkerDeployment;
import dev.hmd.bus.Messages.ApplySplit;
import dev.hmd.bus.Messages.SplitResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Cloudflare serve the split a release wants, level-triggered: read what serves, write only
 * when it differs, read it back. It never overwrites a deployment somebody else made. A failure
 * is answered as a failure; the scheduler asks again later, so a rollback is retried until it
 * lands.
 */
public final class DeployerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeployerVerticle.class);
  public static final int FAILURE_CODE = 502;

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
    apply(wanted)
      .onSuccess(message::reply)
      .onFailure(err -> {
        String reason = err instanceof CloudflareException ? err.getMessage() : "deployer failed: " + err;
        LOG.atWarn().addKeyValue("tenantId", wanted.tenantId()).addKeyValue("releaseId", wanted.releaseId())
          .log("release {}: split {} not applied: {}", wanted.releaseId(), wanted.split(), reason);
        message.fail(FAILURE_CODE, reason);
      });
  }

  Future<SplitResult> apply(ApplySplit wanted) {
    return cloudflare.currentDeployment(wanted.token(), wanted.accountId(), wanted.script())
      .compose(current -> {
        if (current.split().sameTraffic(wanted.split())) {
          return Future.succeededFuture(new SplitResult(SplitResult.Outcome.APPLIED, current));
        }
        if (isExternal(current, wanted)) {
          return Future.succeededFuture(new SplitResult(SplitResult.Outcome.EXTERNAL, current));
        }
        return cloudflare.createDeployment(wanted.token(), wanted.accountId(), wanted.script(),
            wanted.split().versions(), wanted.message())
          .compose(created -> cloudflare.currentDeployment(wanted.token(), wanted.accountId(), wanted.script()))
          .compose(readBack -> readBack.split().sameTraffic(wanted.split())
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
