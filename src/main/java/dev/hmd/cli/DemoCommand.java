package dev.hmd.cli;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.secrets.Secrets;
import dev.hmd.sim.SimulatorVerticle;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
  description = {
    "Embedded Postgres + Cloudflare simulator + service in one process, with a demo tenant",
    "connected to a simulated Worker that has a healthy and a faulty new version."})
public final class DemoCommand implements Callable<Integer> {

  /** The demo's own embedded Postgres, beside (not in) the one {@code serve} uses. */
  static final String DEMO_EMBEDDED_DIR = "demo-pg";

  @Option(names = "--port", description = "service HTTP port (default: HMD_HTTP_PORT or 8080)")
  Integer port;

  @Option(names = "--sim-port", description = "simulator port (default: HMD_SIM_PORT or 8788)")
  Integer simPort;

  @Override
  public Integer call() {
    Config env = Config.fromEnv();
    Vertx simVertx = Vertx.vertx();
    SimulatorVerticle sim = new SimulatorVerticle(simPort != null ? simPort : env.simPort());
    Integer boundSim = Startup.run(() -> simVertx.deployVerticle(sim).map(id -> sim.actualPort()).await());
    if (boundSim == null) {
      simVertx.close();
      return 1;
    }
    Config config = env.withCloudflareApiBase("http://localhost:" + boundSim + "/client/v4")
      .withHttpPort(port != null ? port : env.httpPort());
    if (System.getenv(Config.TELEMETRY_LAG_SECONDS) == null) {
      // the simulator's telemetry is never late: a short lag keeps the demo's checks close to now
      config = config.with(Config.TELEMETRY_LAG_SECONDS, "1");
    }
    if (System.getenv(Config.WEBHOOK_ALLOW_PRIVATE) == null) {
      // the demo is one person's machine, and a webhook receiver there runs on localhost
      config = config.with(Config.WEBHOOK_ALLOW_PRIVATE, "true");
    }
    if (config.adminToken().isEmpty()) {
      // the demo creates its tenant through the platform-admin endpoint, like an operator would
      config = config.with(Config.ADMIN_TOKEN, Secrets.newKey());
    }
    Config serviceConfig = config;
    Service service = Startup.run(() -> Service.start(serviceConfig, DEMO_EMBEDDED_DIR));
    if (service == null) {
      simVertx.close();
      return 1;
    }
    DemoSeed.Result seeded = Startup.run(() ->
      DemoSeed.seed(service, boundSim, serviceConfig.dataDir().resolve("demo-api-key")));
    if (seeded == null) {
      service.close();
      simVertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      simVertx.close().await();
    }, "hmd-demo-shutdown"));
    System.out.println();
    System.out.println("Workers HMD demo is running.");
    System.out.println("  Dashboard:            http://localhost:" + service.httpPort() + "/");
    System.out.println("  Cloudflare simulator: http://localhost:" + boundSim + "/client/v4");
    seeded.describe().forEach(line -> System.out.println("  " + line));
    System.out.println("Press Ctrl+C to stop.");
    return 0;
  }
}
