package dev.hmd.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}) driven through Debian's chromedriver
 * ({@code /usr/bin/chromedriver}). Both paths are given to Selenium explicitly, so Selenium
 * Manager is never asked to find, let alone download, a browser or a driver. Without them the
 * tests fail under CI (which must install them) and are skipped, loudly, elsewhere.
 */
final class Browser implements AutoCloseable {

  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("HMD_CHROMIUM", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("HMD_CHROMEDRIVER", "/usr/bin/chromedriver"));
  static final Duration WAIT = Duration.ofSeconds(15);

  final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;
  private final String baseUrl;

  private Browser(ChromeDriver driver, ChromeDriverService service, Path profile, String baseUrl) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
    this.baseUrl = baseUrl;
  }

  /** Why the browser tests cannot run here, or null when the browser and its driver are installed. */
  static String missing() {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM + " (Debian package chromium)");
    }
    if (!Files.isExecutable(CHROMEDRIVER)) {
      missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
    }
    return missing.isEmpty() ? null : "dashboard browser tests need " + String.join(" and ", missing)
      + "; install them with: apt-get install -y chromium chromium-driver";
  }

  /**
   * Fails under CI (which must install the browser) or skips the test with a banner elsewhere, when
   * the browser or its driver is missing. Each test says so: a skipped class would count as no test.
   */
  static void assumeInstalled() {
    String missing = missing();
    if (missing == null) {
      return;
    }
    if (System.getenv("CI") != null) {
      Assertions.fail("CI must install the browser: " + missing);
    }
    String bar = "!".repeat(100);
    System.err.println(bar + "\n!!! SKIPPED: " + missing + "\n" + bar);
    Assumptions.abort("SKIPPED: " + missing);
  }

  /** A fresh headless browser with its own empty profile, talking to the service at {@code baseUrl}. */
  static Browser start(String baseUrl) {
    try {
      Path profile = Files.createTempDirectory("hmd-chromium-");
      Path logs = Files.createDirectories(Path.of("target", "browser"));
      ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(logs.resolve("chromedriver.log").toFile())
        .build();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,1000", "--lang=en-US");
      LoggingPreferences logging = new LoggingPreferences();
      logging.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logging);
      // a page with unsaved changes asks before unloading; a test that moves on by loading a URL accepts
      options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT);
      ChromeDriver driver = new ChromeDriver(service, options);
      return new Browser(driver, service, profile, baseUrl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a dashboard route, e.g. {@code open("/connections")}. */
  void open(String route) {
    driver.get(baseUrl + "/#" + route);
  }

  /** Loads the dashboard and forgets any session. */
  void reset() {
    driver.get(baseUrl + "/");
    driver.manage().deleteAllCookies();
    // decisions this tab remembers (the approver's note) belong to the person who made them
    script("sessionStorage.clear()");
    driver.navigate().refresh();
  }

  /** Waits until the element is on the page and visible, then returns it. */
  WebElement visible(By by) {
    return await().atMost(WAIT).ignoreExceptions().until(() -> driver.findElement(by), WebElement::isDisplayed);
  }

  WebElement visible(By by, Duration atMost) {
    return await().atMost(atMost).ignoreExceptions().until(() -> driver.findElement(by), WebElement::isDisplayed);
  }

  /** Waits until the element's text contains {@code text}, then returns that text. */
  String textContains(By by, String text, Duration atMost) {
    return await().atMost(atMost).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
      .until(() -> driver.findElement(by).getText(), t -> t.contains(text));
  }

  boolean present(By by) {
    return !driver.findElements(by).isEmpty();
  }

  /** Clicks the element, found again if a live update replaced it between finding and clicking. */
  void click(By by) {
    await().atMost(WAIT).ignoreException(StaleElementReferenceException.class).until(() -> {
      visible(by).click();
      return true;
    });
  }

  void type(By by, String text) {
    WebElement input = visible(by);
    input.clear();
    input.sendKeys(text);
  }

  Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  /** Signs in through the sign-in form and waits for the header to show the key's role. */
  void signIn(String apiKey) {
    reset();
    type(By.id("api-key"), apiKey);
    click(By.id("sign-in"));
    visible(By.id("who-role"));
  }

  /** A PNG of the whole page, as tall as it is (Chromium renders beyond the window for it). */
  void screenshot(Path file) {
    Number width = (Number) script("return document.documentElement.scrollWidth");
    Number height = (Number) script("return document.documentElement.scrollHeight");
    Map<String, Object> result = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
      "captureBeyondViewport", true,
      "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, Base64.getDecoder().decode((String) result.get("data")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A PNG of one element (a section the docs show by itself). */
  void screenshot(By by, Path file) {
    WebElement element = visible(by);
    script("arguments[0].scrollIntoView({block: 'start'})", element);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, element.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Lays the page out as a phone of {@code width} x {@code height} CSS pixels would: a mobile
   * viewport with overlay scrollbars, so the page has the whole width.
   */
  void width(int width, int height) {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
      "deviceScaleFactor", 1, "mobile", true));
  }

  /** Back to the desktop window. */
  void desktop() {
    driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    driver.manage().window().setSize(new Dimension(1280, 1000));
  }

  /** Whether the page fits its viewport's width: nothing to scroll sideways. */
  boolean fitsWidth() {
    return (Boolean) script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth");
  }

  /** Whether the element lies wholly inside the viewport's width, not cut off by a box that scrolls sideways. */
  boolean inViewWidth(WebElement element) {
    return (Boolean) script("const r = arguments[0].getBoundingClientRect();"
      + "let clip = document.documentElement.clientWidth;"
      + "for (let p = arguments[0].parentElement; p; p = p.parentElement) {"
      + "  if (getComputedStyle(p).overflowX !== 'visible') clip = Math.min(clip, p.getBoundingClientRect().right);"
      + "}"
      + "return r.left >= 0 && r.right <= clip + 0.5;", element);
  }

  /** The browser console since the last call, for the test log. */
  /**
   * Prints the console since the last read (under {@code during}), and fails on a script error or a
   * Content-Security-Policy violation (Chromium reports each blocked script, style, fetch or frame).
   */
  void assertCleanConsole(String during) {
    List<String> lines = consoleLog();
    System.out.println("browser console during " + during + ":");
    lines.forEach(line -> System.out.println("  " + line));
    assertThat(lines).as("script errors and CSP violations during %s", during)
      .noneMatch(line -> line.contains("Content Security Policy") || line.contains("Refused to")
        || line.contains("Uncaught"));
  }

  List<String> consoleLog() {
    List<String> lines = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      lines.add(entry.getLevel() + " " + entry.getMessage());
    }
    return lines;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // a temp profile left behind is harmless
    }
  }
}
