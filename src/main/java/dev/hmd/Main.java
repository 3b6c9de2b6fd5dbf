package dev.hmd;

import dev.hmd.cli.DemoCommand;
import dev.hmd.cli.ReleaseCommand;
import dev.hmd.cli.ServeCommand;
import dev.hmd.cli.SimulateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar hmd.jar <command>}: the service, the Cloudflare simulator, or both as a demo. */
@Command(name = "hmd", mixinStandardHelpOptions = true, version = "Workers HMD 0.1",
  description = "Health-mediated staged rollouts of Cloudflare Workers versions.",
  subcommands = {ServeCommand.class, SimulateCommand.class, DemoCommand.class, ReleaseCommand.class,
    dev.hmd.bench.BenchCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    chooseLogFormat(args);
    CommandLine cli = new CommandLine(new Main());
    int code = cli.execute(args);
    if (code != 0 || args.length == 0 || !isLongRunning(args[0])) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  private static boolean isLongRunning(String command) {
    return command.equals("serve") || command.equals("simulate") || command.equals("demo");
  }

  /**
   * JSON lines for the service in production, plain lines for people at a terminal; set before
   * the first logger exists, so logback reads it.
   */
  private static void chooseLogFormat(String[] args) {
    String format = System.getenv("HMD_LOG_FORMAT");
    if (format == null || format.isBlank()) {
      format = args.length > 0 && args[0].equals("serve") ? "json" : "plain";
    }
    System.setProperty("hmd.log.format", format.equalsIgnoreCase("json") ? "JSON" : "PLAIN");
  }
}
