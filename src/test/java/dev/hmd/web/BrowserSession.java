package dev.hmd.web;

import dev.hmd.app.Service;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Chromium of a browser test class, as a {@code @RegisterExtension static} field after the
 * class's {@code @WithService}: started once on the service's port, at desktop size and signed out
 * before each test, its console printed after each, failing the test on a script error or a
 * Content-Security-Policy violation. Without Chromium the class's tests are skipped (failed in CI).
 */
final class BrowserSession implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {

  private final Supplier<Service> service;
  private Browser browser;

  BrowserSession(Supplier<Service> service) {
    this.service = service;
  }

  /** The browser; null when Chromium is missing. */
  Browser browser() {
    return browser;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (Browser.missing() == null) {
      browser = Browser.start("http://localhost:" + service.get().httpPort());
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Browser.assumeInstalled();
    browser.desktop();
    browser.reset();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (browser != null) {
      browser.assertCleanConsole(context.getDisplayName());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (browser != null) {
      browser.close();
    }
  }
}
