package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's chromium, headless, through Debian's chromedriver) during
 * a real run of the three services as processes: the flow shows non-zero rates and the live step
 * advances without a reload; the sample browser opens a trained group with its G completions and
 * its lineage; a dead-lettered record shows with its reason; the run is stopped from the console
 * with its confirmation. Screenshots go to {@code target/console-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {
  /** More than the test needs: the console stops the run once the checks are done. */
  static final int STEPS = 1000;

  static final int GROUP_SIZE = 16;
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String BROKEN_KEY = "console-it-broken-g1";

  private final List<ServiceProcess> services = new ArrayList<>();
  private final Path shots = Path.of("target", "console-screenshots").toAbsolutePath();
  private WebDriver browser;
  private WebDriverWait wait;
  private TrainerClient trainer;
  private String runId;

  @BeforeAll
  void startPlatformRunAndBrowser() throws Exception {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    DatabaseEndpoint db = SharedTestInfrastructure.postgres().endpoint();
    PlatformProcesses.createTopics(bootstrap);
    PlatformProcesses.start(bootstrap, db, "console-e2e", DemoPipelineIT.START_TIMEOUT, services);
    trainer = new TrainerClient(services.get(0).uri());
    DemoRecipe demo = DemoRecipe.builtIn().withSteps(STEPS).withName("console-e2e");
    ObjectNode config = demo.runConfig();
    ((ObjectNode) config.path("eval")).put("size", 50).put("every", 50);
    runId = trainer.createRun(config);
    publishBrokenRollout(bootstrap);

    Files.createDirectories(shots);
    var options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100");
    if (System.getProperty("webdriver.chrome.driver") == null) {
      System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    }
    browser = new ChromeDriver(options);
    wait = new WebDriverWait(browser, WAIT);
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    browser.get(services.get(0).uri() + "/console/");
  }

  @AfterAll
  void stopEverything() {
    if (browser != null) {
      browser.quit();
    }
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
  }

  /** Not a RolloutGroup: the reward service dead-letters it at reward-service/decode. */
  private static void publishBrokenRollout(String bootstrap) throws Exception {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (var producer = new KafkaProducer<String, String>(p)) {
      producer
          .send(new ProducerRecord<>("grpo.rollouts", BROKEN_KEY, "{\"schemaVersion\":1}"))
          .get();
    }
  }

  @Test
  @Order(1)
  void flowShowsNonZeroRatesAndTheLiveStepAdvancesWithoutReload() throws Exception {
    wait.until(d -> liveStep() >= 1);
    wait.until(
        d ->
            d.findElements(By.cssSelector("#topics td.rate")).stream()
                .anyMatch(td -> parse(td.getText()) > 0));
    int first = liveStep();
    Object pageId =
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript(
                "return window.__consoleTestMark = window.__consoleTestMark || Math.random();");
    wait.until(d -> liveStep() > first);
    Object sameId =
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript("return window.__consoleTestMark;");
    assertThat(sameId).as("the page was not reloaded").isEqualTo(pageId);
    assertThat(
            browser.findElements(
                By.cssSelector(
                    "#consumer-groups tr[data-group='grpo-rollout'], #consumer-groups"
                        + " tr[data-group='grpo-reward']")))
        .as("consumer groups of the workers and the reward service with members")
        .isNotEmpty();
    assertThat(browser.findElement(By.id("consumer-groups")).getText()).contains("grpo-trainer");
    shoot("flow");
  }

  @Test
  @Order(2)
  void theSampleBrowserOpensATrainedGroupWithItsCompletionsAndLineage() throws Exception {
    wait.until(d -> liveStep() >= 3);
    browser.findElement(By.cssSelector("nav button[data-view='samples']")).click();
    var step = browser.findElement(By.id("step-input"));
    step.clear();
    step.sendKeys("2");
    browser.findElement(By.cssSelector("#pick-step button")).click();
    WebElement link =
        wait.until(
            ExpectedConditions.elementToBeClickable(By.cssSelector("#group-list a[data-open]")));
    link.click();
    wait.until(
        d -> d.findElements(By.cssSelector("#completions tr.completion")).size() == GROUP_SIZE);
    wait.until(
        d ->
            d.findElements(By.cssSelector("#records tr.record")).stream()
                    .filter(r -> r.getText().contains("read"))
                    .count()
                >= 3);
    String outcome = browser.findElement(By.id("detail-outcome")).getText();
    assertThat(outcome).isEqualTo("trained at step 2");
    String lineage = browser.findElement(By.id("lineage")).getText();
    assertThat(lineage)
        .contains("issued for step")
        .contains("generated by worker")
        .contains("scored from parts");
    String records = browser.findElement(By.id("records")).getText();
    assertThat(records).contains("grpo.prompts").contains("grpo.rollouts").contains("grpo.scored");
    assertThat(browser.findElement(By.id("detail-prompt")).getText()).startsWith("max ");
    shoot("sample");
  }

  @Test
  @Order(3)
  void aDeadLetteredRecordShowsWithItsReason() throws Exception {
    browser.findElement(By.cssSelector("nav button[data-view='flow']")).click();
    wait.until(
        d ->
            d.findElements(By.cssSelector("#dlq-list tr.dead-letter")).stream()
                .anyMatch(r -> r.getText().contains(BROKEN_KEY)));
    var row =
        browser.findElements(By.cssSelector("#dlq-list tr.dead-letter")).stream()
            .filter(r -> r.getText().contains(BROKEN_KEY))
            .findFirst()
            .orElseThrow();
    assertThat(row.getText()).contains("reward-service/decode");
    assertThat(row.findElement(By.cssSelector(".reason")).getText()).isNotBlank();
    assertThat(browser.findElement(By.id("dead-letters")).getText())
        .contains("reward-service/decode");
    shoot("dead-letters");
  }

  @Test
  @Order(4)
  void theRunViewDrawsTheCurvesAndStopsTheRunAfterConfirmation() throws Exception {
    browser.findElement(By.cssSelector("nav button[data-view='run']")).click();
    wait.until(d -> !d.findElements(By.cssSelector(".chart[data-metric='reward/mean']")).isEmpty());
    assertThat(browser.findElements(By.cssSelector(".chart[data-metric='kl']"))).isNotEmpty();
    shoot("run");
    // The runs table is redrawn every second: click in one script, so no element goes stale.
    ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript(
            "setTimeout(() => document.querySelector(arguments[0]).click(), 0);",
            "#runs tr[data-run='" + runId + "'] button[data-cmd='stop']");
    var confirm = wait.until(ExpectedConditions.alertIsPresent());
    assertThat(confirm.getText()).contains("stop run " + runId);
    confirm.accept();
    wait.until(d -> trainerStatus().equals("STOPPED"));
    wait.until(
        d ->
            d.findElement(By.cssSelector("#runs tr[data-run='" + runId + "'] .status"))
                .getText()
                .equals("STOPPED"));
  }

  private String trainerStatus() {
    try {
      return trainer.run(runId).path("status").asText();
    } catch (Exception e) {
      return "?";
    }
  }

  private int liveStep() {
    return (int) parse(browser.findElement(By.id("live-step")).getText());
  }

  private static double parse(String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void shoot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(shots.resolve(name + ".png"), png);
    Files.writeString(
        shots.resolve(name + ".txt"),
        browser.findElement(By.tagName("body")).getText(),
        StandardCharsets.UTF_8);
  }
}
