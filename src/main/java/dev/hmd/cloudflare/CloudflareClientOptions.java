package dev.hmd.cloudflare;

import java.time.Duration;
import java.util.Objects;

/**
 * Every tunable of {@link CloudflareClient}, each with a named default. The defaults talk to the
 * real API; tests and the simulator change the base URL and shrink the delays.
 *
 * @param baseUrl          API root without a trailing slash, e.g. {@code http://localhost:8788/client/v4}
 * @param requestTimeout   an attempt fails as TIMEOUT when no response data arrives within this
 * @param connectTimeout   time allowed to open a connection
 * @param maxAttempts      attempts per call, the first included (1 disables retries)
 * @param retryBaseDelay   backoff before the second attempt, doubled per attempt, full jitter
 * @param retryMaxDelay    cap on one backoff delay
 * @param maxRetryAfter    a {@code retry-after} longer than this is not waited out: the call fails
 *                         RATE_LIMITED at once and the caller comes back on its next tick
 * @param budgetRequests   requests allowed per token in any sliding {@code budgetWindow}
 * @param budgetWindow     the sliding window of the per-token budget
 * @param budgetMaxWait    a call that would queue longer than this for a budget slot fails RATE_LIMITED
 *                         instead, so the queue (and its memory) stays bounded
 * @param versionsPerPage  {@code per_page} when listing versions
 * @param maxVersionPages  safety stop for a server that never returns a short page
 */
public record CloudflareClientOptions(
  String baseUrl,
  Duration requestTimeout,
  Duration connectTimeout,
  int maxAttempts,
  Duration retryBaseDelay,
  Duration retryMaxDelay,
  Duration maxRetryAfter,
  int budgetRequests,
  Duration budgetWindow,
  Duration budgetMaxWait,
  int versionsPerPage,
  int maxVersionPages) {

  public static final String DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4";
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_ATTEMPTS = 4;
  public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofMillis(500);
  public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofSeconds(20);
  public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);
  /** Cloudflare allows 1200 per 5 minutes per token; the margin covers other clients of the same token. */
  public static final int DEFAULT_BUDGET_REQUESTS = 1100;
  public static final Duration DEFAULT_BUDGET_WINDOW = Duration.ofMinutes(5);
  public static final Duration DEFAULT_BUDGET_MAX_WAIT = Duration.ofMinutes(5);
  public static final int DEFAULT_VERSIONS_PER_PAGE = 100;
  public static final int DEFAULT_MAX_VERSION_PAGES = 100;

  public CloudflareClientOptions {
    Objects.requireNonNull(baseUrl, "baseUrl");
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
      throw new IllegalArgumentException("baseUrl must be an http(s) URL: " + baseUrl);
    }
    positive(requestTimeout, "requestTimeout");
    positive(connectTimeout, "connectTimeout");
    positive(retryBaseDelay, "retryBaseDelay");
    positive(retryMaxDelay, "retryMaxDelay");
    positive(maxRetryAfter, "maxRetryAfter");
    positive(budgetWindow, "budgetWindow");
    positive(budgetMaxWait, "budgetMaxWait");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (budgetRequests < 1) {
      throw new IllegalArgumentException("budgetRequests must be at least 1");
    }
    if (versionsPerPage < 1 || maxVersionPages < 1) {
      throw new IllegalArgumentException("versionsPerPage and maxVersionPages must be at least 1");
    }
  }

  public static CloudflareClientOptions defaults() {
    return new CloudflareClientOptions(DEFAULT_BASE_URL, DEFAULT_REQUEST_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
      DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY, DEFAULT_MAX_RETRY_AFTER,
      DEFAULT_BUDGET_REQUESTS, DEFAULT_BUDGET_WINDOW, DEFAULT_BUDGET_MAX_WAIT, DEFAULT_VERSIONS_PER_PAGE,
      DEFAULT_MAX_VERSION_PAGES);
  }

  public CloudflareClientOptions withBaseUrl(String url) {
    return new CloudflareClientOptions(url, requestTimeout, connectTimeout, maxAttempts, retryBaseDelay,
      retryMaxDelay, maxRetryAfter, budgetRequests, budgetWindow, budgetMaxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withTimeouts(Duration request, Duration connect) {
    return new CloudflareClientOptions(baseUrl, request, connect, maxAttempts, retryBaseDelay, retryMaxDelay,
      maxRetryAfter, budgetRequests, budgetWindow, budgetMaxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withRetries(int attempts, Duration baseDelay, Duration maxDelay) {
    return new CloudflareClientOptions(baseUrl, requestTimeout, connectTimeout, attempts, baseDelay, maxDelay,
      maxRetryAfter, budgetRequests, budgetWindow, budgetMaxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withMaxRetryAfter(Duration max) {
    return new CloudflareClientOptions(baseUrl, requestTimeout, connectTimeout, maxAttempts, retryBaseDelay,
      retryMaxDelay, max, budgetRequests, budgetWindow, budgetMaxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withBudget(int requests, Duration window) {
    return new CloudflareClientOptions(baseUrl, requestTimeout, connectTimeout, maxAttempts, retryBaseDelay,
      retryMaxDelay, maxRetryAfter, requests, window, budgetMaxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withBudgetMaxWait(Duration maxWait) {
    return new CloudflareClientOptions(baseUrl, requestTimeout, connectTimeout, maxAttempts, retryBaseDelay,
      retryMaxDelay, maxRetryAfter, budgetRequests, budgetWindow, maxWait, versionsPerPage, maxVersionPages);
  }

  public CloudflareClientOptions withVersionPaging(int perPage, int maxPages) {
    return new CloudflareClientOptions(baseUrl, requestTimeout, connectTimeout, maxAttempts, retryBaseDelay,
      retryMaxDelay, maxRetryAfter, budgetRequests, budgetWindow, budgetMaxWait, perPage, maxPages);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
