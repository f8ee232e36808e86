package io.millrace.server;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for the dashboard's tests, driven through the system's chromedriver (Debian
 * {@code chromium} and {@code chromium-driver}; {@code .ci/run} installs them). Both paths are
 * given explicitly, so Selenium never tries to download a browser or a driver. Each browser gets a
 * fresh profile directory. Screenshots go to {@code target/screenshots/}.
 *
 * <p>Without the packages the tests are skipped, unless {@code MILLRACE_BROWSER_REQUIRED=true} in
 * the environment (or {@code -Dmillrace.browser.required=true}) turns that into a failure; {@code
 * .ci/run} sets it, so CI can never pass by skipping them.
 */
final class Browser implements AutoCloseable {
  static final Path DRIVER =
      Path.of(System.getProperty("millrace.chromedriver", "/usr/bin/chromedriver"));
  static final Path CHROMIUM =
      Path.of(System.getProperty("millrace.chromium", "/usr/bin/chromium"));
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static Browser start() {
    boolean installed = Files.isExecutable(DRIVER) && Files.isExecutable(CHROMIUM);
    boolean required =
        Boolean.getBoolean("millrace.browser.required")
            || "true".equalsIgnoreCase(System.getenv("MILLRACE_BROWSER_REQUIRED"));
    if (!required) {
      Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed");
    } else if (!installed) {
      throw new IllegalStateException(
          "browser tests required but " + DRIVER + " or " + CHROMIUM + " is missing");
    }
    try {
      Path profile = Files.createTempDirectory("millrace-chromium-");
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-dev-shm-usage",
          "--window-size=1280,900",
          "--user-data-dir=" + profile);
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(DRIVER.toFile())
              .usingAnyFreePort()
              .build();
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
      return new Browser(driver, profile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ChromeDriver driver() {
    return driver;
  }

  /**
   * Opens {@code url} and waits until the dashboard has rendered its route once: the page sets
   * {@code data-rendered} on the body to the route it shows when a refresh has settled.
   */
  void open(String url) {
    driver.get(url);
    int hash = url.indexOf('#');
    String route = hash < 0 || hash == url.length() - 1 ? "/" : url.substring(hash + 1);
    waitFor(
        url + " rendered",
        () -> route.equals(driver.executeScript("return document.body.dataset.rendered || null;")));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * The text of the first element matching {@code css}, or null while there is none. Found and read
   * in one script, which runs between the page's renders, so it never sees an element being
   * replaced (a find followed by a separate read could).
   */
  String text(String css) {
    return (String)
        driver.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css);
  }

  /** Whether the first element matching {@code css} exists and is shown; one atomic read. */
  boolean displayed(String css) {
    return Boolean.TRUE.equals(
        driver.executeScript(
            "const e = document.querySelector(arguments[0]);"
                + " return !!e && e.getClientRects().length > 0"
                + " && getComputedStyle(e).visibility !== 'hidden';",
            css));
  }

  /** How many elements match {@code css}; one atomic read. */
  int count(String css) {
    return ((Number)
            driver.executeScript("return document.querySelectorAll(arguments[0]).length;", css))
        .intValue();
  }

  /** The {@code name} attribute of every element matching {@code css}, read at one instant. */
  @SuppressWarnings("unchecked")
  List<String> attributes(String css, String name) {
    return (List<String>)
        driver.executeScript(
            "return Array.from(document.querySelectorAll(arguments[0]),"
                + " e => e.getAttribute(arguments[1]));",
            css,
            name);
  }

  /**
   * Waits until the first element matching {@code css} contains each of {@code parts}. Pages
   * re-render on every refresh, so a check done once may catch an element mid-replacement;
   * assertions on page text go through here.
   */
  void waitForText(String css, String... parts) {
    waitFor(
        css + " containing " + String.join(", ", parts),
        () -> {
          String text = text(css);
          if (text == null) {
            return false;
          }
          for (String part : parts) {
            if (!text.contains(part)) {
              return false;
            }
          }
          return true;
        });
  }

  /**
   * Waits until {@code css} matches a shown element and clicks it. Found, checked and clicked in
   * one script: the pages redraw on every refresh, and under load a find, a visibility check and a
   * click sent one by one straddle a redraw every time. The click is dispatched from the page's
   * next task so that a confirm() it opens does not block the script (see {@link #acceptConfirm}).
   */
  void click(String css) {
    waitFor(
        "clickable " + css,
        () ->
            Boolean.TRUE.equals(
                driver.executeScript(
                    "const e = document.querySelector(arguments[0]);"
                        + " if (!e || e.getClientRects().length === 0) return false;"
                        + " setTimeout(() => e.click(), 0); return true;",
                    css)));
  }

  /** Waits for the confirm() dialog a click opened and accepts it. */
  void acceptConfirm() {
    waitFor(
        "confirm dialog",
        () -> {
          try {
            driver.switchTo().alert().accept();
            return true;
          } catch (org.openqa.selenium.NoAlertPresentException notYet) {
            return false;
          }
        });
  }

  /** Waits for the prompt() dialog a click opened, types {@code answer} into it and accepts. */
  void answerPrompt(String answer) {
    waitFor(
        "prompt dialog",
        () -> {
          try {
            var prompt = driver.switchTo().alert();
            prompt.sendKeys(answer);
            prompt.accept();
            return true;
          } catch (org.openqa.selenium.NoAlertPresentException notYet) {
            return false;
          }
        });
  }

  void waitFor(String what, BooleanSupplier condition) {
    io.millrace.testing.Await.until(what, Duration.ofSeconds(30), condition);
  }

  /** Saves a PNG of the page as target/screenshots/{name}.png (kept as a test artefact). */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the browser profile " + profile, e);
    }
  }
}
