package dev.hmd.cli;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
  description = {
    "Run the service: REST API, SSE, dashboard, metrics and the release engine.",
    "Configured by HMD_* environment variables (see the README); without HMD_DATABASE_URL an embedded",
    "Postgres keeps its data under ./.hmd/."})
public final class ServeCommand implements Callable<Integer> {

  @Option(names = "--port", description = "HTTP port (default: HMD_HTTP_PORT or 8080; 0 picks a free one)")
  Integer port;

  @Override
  public Integer call() {
    Config env = Config.fromEnv();
    Config config = port == null ? env : env.withHttpPort(port);
    Service service = Startup.run(() -> Service.start(config));
    if (service == null) {
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(service::close, "hmd-shutdown"));
    System.out.println("Workers HMD listening on http://localhost:" + service.httpPort() + "/");
    return 0;
  }
}
