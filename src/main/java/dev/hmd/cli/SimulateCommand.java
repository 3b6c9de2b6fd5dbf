package dev.hmd.cli;

import dev.hmd.config.Config;
import dev.hmd.sim.SimulatorVerticle;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
  description = {
    "Run the Cloudflare API simulator alone.",
    "Cloudflare's endpoints under /client/v4, control endpoints under /sim (see the README)."})
public final class SimulateCommand implements Callable<Integer> {

  @Option(names = "--port", description = "port (default: HMD_SIM_PORT or 8788; 0 picks a free one)")
  Integer port;

  @Override
  public Integer call() {
    Config config = Config.fromEnv();
    int listen = port != null ? port : config.simPort();
    Vertx vertx = Vertx.vertx();
    SimulatorVerticle sim = new SimulatorVerticle(listen);
    Integer bound = Startup.run(() -> vertx.deployVerticle(sim).map(id -> sim.actualPort()).await());
    if (bound == null) {
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "hmd-sim-shutdown"));
    System.out.println("Cloudflare simulator listening on http://localhost:" + bound + "/client/v4 (control: /sim)");
    return 0;
  }
}
