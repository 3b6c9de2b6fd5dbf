package dev.hmd.slo;

import java.util.List;
import java.util.Objects;

/**
 * Requests sent to the new version while it serves 0% of traffic, before the first split: each of
 * {@code requests} is sent {@code repeat} times to {@code url} with a
 * {@code Cloudflare-Workers-Version-Overrides} header naming the new version, and the test passes
 * when at most {@code maxFailures} answers had a status the request does not expect.
 */
public record SmokeTest(String url, List<SmokeRequest> requests, int repeat, int maxFailures) {

  public static final int DEFAULT_REPEAT = 1;
  public static final int DEFAULT_MAX_FAILURES = 0;

  public SmokeTest {
    Objects.requireNonNull(url, "url");
    requests = List.copyOf(requests);
  }

  /** How many requests one attempt sends. */
  public int totalRequests() {
    return requests.size() * repeat;
  }

  /** One request of a smoke test and the statuses that count as a good answer. */
  public record SmokeRequest(String method, String path, List<Integer> expectStatus) {
    public SmokeRequest {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      expectStatus = List.copyOf(expectStatus);
    }

    public boolean expects(int status) {
      return expectStatus.contains(status);
    }
  }
}
