package dev.hmd.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hmd bench SCENARIO}: each scenario starts its own embedded Postgres (throw-away data),
 * Cloudflare simulator and service in this process, drives them, prints a table and writes
 * {@code <out>/<scenario>.json}. See docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
  description = {
    "Benchmarks of the service.",
    "On an embedded Postgres, the Cloudflare simulator and the service, all in this process:",
    "  scale     N concurrent active releases over many accounts: scheduler lag,",
    "            checks/s, Cloudflare calls, statements, heap after GC, CPU",
    "  rollback  releases whose version turns bad mid-soak: bad window -> rollback",
    "  sse       N streaming clients of one tenant: commit -> delivery, memory",
    "  api       GET /v1/releases/{id} beside a bare Vert.x JSON endpoint",
    "Prints a table and writes <out>/<scenario>.json."})
public final class BenchCommand implements Callable<Integer> {

  enum Scenario { scale, rollback, sse, api }

  @Parameters(index = "0", paramLabel = "SCENARIO", description = "scale, rollback, sse or api")
  Scenario scenario;

  @Option(names = "--out", paramLabel = "DIR", description = "where results go (default: ${DEFAULT-VALUE})",
    defaultValue = "target/bench")
  Path out;

  @Option(names = "--releases", split = ",", paramLabel = "N[,N...]",
    description = "scale: concurrent active releases, one run per value (default: ${DEFAULT-VALUE})",
    defaultValue = "1000,5000,10000")
  List<Integer> releases;

  @Option(names = "--accounts",
    description = "scale: Cloudflare accounts, one tenant and token each (default: ${DEFAULT-VALUE})",
    defaultValue = "100")
  int accounts;

  @Option(names = "--duration", paramLabel = "SECONDS",
    description = "seconds measured (default: scale 90, sse 30, api 20)")
  Integer duration;

  @Option(names = "--warmup", paramLabel = "SECONDS",
    description = "seconds between set-up and measurement (default: scale 2 poll intervals, sse 5, api 10)")
  Integer warmup;

  @Option(names = "--poll", paramLabel = "SECONDS",
    description = "the plans' pollIntervalSeconds (default: ${DEFAULT-VALUE})",
    defaultValue = "10")
  int poll;

  @Option(names = "--rps", description = "requests/s of each simulated Worker (default: scale 5, rollback 20)")
  Double rps;

  @Option(names = "--pool-size", description = "HMD_DB_POOL_SIZE of the service (default: ${DEFAULT-VALUE})",
    defaultValue = "16")
  int poolSize;

  @Option(names = "--clients", split = ",", paramLabel = "N[,N...]",
    description = "sse: streaming clients, one run per value (default: ${DEFAULT-VALUE})", defaultValue = "10000")
  List<Integer> clients;

  @Option(names = "--events-per-second", description = "sse: events appended per second (default: ${DEFAULT-VALUE})",
    defaultValue = "5")
  double eventsPerSecond;

  @Option(names = "--concurrency", description = "api: requests in flight (default: ${DEFAULT-VALUE})",
    defaultValue = "64")
  int concurrency;

  @Option(names = "--rollbacks", description = "rollback: releases that turn bad (default: ${DEFAULT-VALUE})",
    defaultValue = "50")
  int rollbacks;

  @Option(names = "--profile", description = "record a JFR profile of the measurement and print its hot spots")
  boolean profile;

  @Option(names = "--durable-db",
    description = "Postgres with fsync and synchronous_commit on (default: off, throw-away data)")
  boolean durableDb;

  @Option(names = "--env", paramLabel = "HMD_X=VALUE", description = "another service setting (repeatable)")
  Map<String, String> env = new LinkedHashMap<>();

  @Override
  public Integer call() {
    BenchSettings settings = new BenchSettings(scenario.name(), releases, accounts,
      duration != null ? duration : switch (scenario) {
        case scale -> 90;
        case sse -> 30;
        default -> 20;
      },
      warmup != null ? warmup : switch (scenario) {
        case scale -> 2 * poll;
        case sse -> 5;
        default -> 10;
      },
      poll, rps != null ? rps : scenario == Scenario.rollback ? 20 : 5, poolSize, clients, eventsPerSecond, concurrency,
      rollbacks, profile, durableDb, Map.copyOf(env), out);
    Report report = switch (scenario) {
      case scale -> ScaleBench.run(settings);
      case rollback -> RollbackBench.run(settings);
      case sse -> SseBench.run(settings);
      case api -> ApiBench.run(settings);
    };
    report.print(System.out);
    Path written = report.write(out);
    System.out.println("results: " + written);
    return 0;
  }
}
