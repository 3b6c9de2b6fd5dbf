package dev.hmd.cli;

import dev.hmd.Service;
import java.util.List;

/** What the demo creates: a simulated Worker with versions, and (with tenancy) a tenant to use it. */
final class DemoSeed {

  record Result(List<String> describe) {
  }

  private DemoSeed() {
  }

  static Result seed(Service service, int simPort) {
    return new Result(List.of());
  }
}
