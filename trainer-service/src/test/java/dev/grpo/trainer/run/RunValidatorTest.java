package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.trainer.run.RunSpec.TokenizerType;
import dev.grpo.trainer.tasks.AdditionTask;
import dev.grpo.trainer.tasks.DigitMaxTask;
import dev.grpo.trainer.tasks.DigitReverseTask;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validator against the outcomes of the validator it replaced: {@code validator-golden.json}
 * was written by running {@code RunConfigValidator.complete} (before the run spec existed) on each
 * request below, and records the completed config's JSON, or the field, value, rule and message of
 * the 400. So the run spec's JSON keeps the shape and spellings the e2e launcher reads, and every
 * rule keeps its message. Paths in the file are relative to {@code ${dir}}.
 */
class RunValidatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object REMOVE = new Object();

  @TempDir static Path dir;
  private static JsonNode golden;
  private static RunValidator validator;

  @BeforeAll
  static void setUp() throws Exception {
    try (InputStream in = RunValidatorTest.class.getResourceAsStream("validator-golden.json")) {
      golden = JSON.readTree(in);
    }
    validator =
        new RunValidator(
            new TaskGenerators(
                List.of(new DigitReverseTask(), new AdditionTask(), new DigitMaxTask())),
            CheckerRegistry.fromServiceLoader());
    var tok = new CharTokenizer("0123456789 rev=+");
    Files.createDirectories(dir.resolve("ckpt"));
    Files.createDirectories(dir.resolve("ckpt-notok"));
    Files.createDirectories(dir.resolve("ckpt-bad"));
    Files.createDirectories(dir.resolve("empty"));
    tok.save(dir.resolve("ckpt/tokenizer.json"));
    tok.save(dir.resolve("tokenizer.json"));
    var config = ModelConfig.llama(20, 16, 32, 1, 2, 1, 32).withSpecialTokens(1, 2);
    config.write(dir.resolve("ckpt/config.json"));
    config.write(dir.resolve("ckpt-notok/config.json"));
    Files.writeString(dir.resolve("ckpt-bad/config.json"), "{\"model_type\":\"gpt2\"}");
    var lines = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      lines.append(
          String.format(
              "{\"id\":\"q%d\",\"prompt\":\"rev %d %d=\",\"verification\":{\"answer\":\"%d%d\"}}%n",
              i, i % 10, i / 10, i / 10, i % 10));
    }
    Files.writeString(dir.resolve("data.jsonl"), lines);
    Files.writeString(dir.resolve("tiny.jsonl"), "{\"id\":\"a\",\"prompt\":\"rev 1=\"}\n");
  }

  /**
   * Each case: name, then an optional base ({@code @demo}, {@code @empty}, {@code @null}), then
   * path/value edits.
   */
  private static Object[][] cases() {
    String d = dir.toString();
    var rs = Map.of("checkers", List.of(Map.of("name", "exact_match", "weight", 1.0)));
    return new Object[][] {
      {"tiny"},
      {"demo", "@demo"},
      {"minimal", "@empty", "model.randomInit", Map.of(), "dataset.generator", "addition"},
      {"minimalDigitMax", "@empty", "model.randomInit", Map.of(), "dataset.generator", "digit_max"},
      {
        "upperCaseVariantAndCosine",
        "loss.variant",
        "DR-GRPO",
        "optimizer.schedule",
        "COSINE",
        "optimizer.warmupSteps",
        1,
        "steps",
        4
      },
      {"bnpoDapo", "loss.variant", "bnpo"},
      {"dapo", "loss.variant", "Dapo", "optimizer.schedule", "Constant"},
      {
        "evalSampling",
        "eval.greedy",
        false,
        "eval.seed",
        7,
        "sampling.topP",
        0.9,
        "sampling.topK",
        5
      },
      {"noEvalNoSampling", "eval", REMOVE, "sampling", REMOVE, "loss", REMOVE, "optimizer", REMOVE},
      {"tokenizerNoType", "model.tokenizer", Map.of("alphabet", "0123456789 rev=")},
      {"tokenizerDefaultAscii", "model.tokenizer", REMOVE},
      {"tokenizerFile", "model.tokenizer", Map.of("path", d + "/tokenizer.json")},
      {
        "tokenizerFileTyped",
        "model.tokenizer",
        Map.of("type", "file", "path", d + "/tokenizer.json")
      },
      {"checkpoint", "model", Map.of("checkpoint", d + "/ckpt")},
      {
        "checkpointWithTokenizer",
        "model",
        Map.of(
            "checkpoint",
            d + "/ckpt-notok",
            "tokenizer",
            Map.of("type", "char", "alphabet", "0123456789 rev="))
      },
      {"jsonl", "dataset", Map.of("jsonlPath", d + "/data.jsonl"), "rewardSpec", rs},
      {"nameStripped", "name", "  spaced  "},
      {"vocabExplicit", "model.randomInit.vocabSize", 40},
      {"paramsDefault", "dataset.params", REMOVE},
      {"nullBody", "@null"},
      {"nameEmpty", "name", ""},
      {"nameBlank", "name", "   "},
      {"nameLong", "name", "x".repeat(201)},
      {"datasetMissing", "dataset", REMOVE},
      {"datasetBoth", "dataset.jsonlPath", d + "/data.jsonl"},
      {"datasetNeither", "dataset", Map.of()},
      {"generatorUnknown", "dataset.generator", "sudoku"},
      {"paramsInvalid", "dataset.params", Map.of("maxDigits", 99)},
      {"paramsUnknown", "dataset.params", Map.of("foo", 1)},
      {
        "jsonlParams",
        "dataset",
        Map.of("jsonlPath", d + "/data.jsonl", "params", Map.of("a", 1)),
        "rewardSpec",
        rs
      },
      {"jsonlRelative", "dataset", Map.of("jsonlPath", "data.jsonl"), "rewardSpec", rs},
      {"jsonlMissing", "dataset", Map.of("jsonlPath", d + "/nope.jsonl"), "rewardSpec", rs},
      {"jsonlNoRewardSpec", "dataset", Map.of("jsonlPath", d + "/data.jsonl")},
      {"jsonlTooSmall", "dataset", Map.of("jsonlPath", d + "/tiny.jsonl"), "rewardSpec", rs},
      {
        "rewardSpecUnknownChecker",
        "rewardSpec",
        Map.of("checkers", List.of(Map.of("name", "nope", "weight", 1.0)))
      },
      {"groupSize1", "groupSize", 1},
      {"groupSize257", "groupSize", 257},
      {"groupsPerStep0", "groupsPerStep", 0},
      {"groupsPerStep1025", "groupsPerStep", 1025},
      {"maxStalenessNeg", "maxStaleness", -1},
      {"maxStaleness17", "maxStaleness", 17},
      {"steps0", "steps", 0},
      {"stepsHuge", "steps", 1000001},
      {"checkpointEvery0", "checkpointEvery", 0},
      {"checkpointEvery5", "checkpointEvery", 5},
      {"evalSizeNeg", "eval.size", -1},
      {"evalSizeHuge", "eval.size", 10001},
      {"evalSizeTooManyForTask", "eval.size", 5000},
      {"evalEveryNeg", "eval.every", -1},
      {"evalEvery3", "eval.every", 3},
      {"temperature0", "sampling.temperature", 0.0},
      {"temperatureNeg", "sampling.temperature", -1.0},
      {"topP0", "sampling.topP", 0.0},
      {"topP15", "sampling.topP", 1.5},
      {"topKNeg", "sampling.topK", -1},
      {"maxNew0", "sampling.maxNewTokens", 0},
      {"maxNewHuge", "sampling.maxNewTokens", 100000},
      {"maxNew40", "sampling.maxNewTokens", 40},
      {"variantPpo", "loss.variant", "ppo"},
      {"epsLow15", "loss.epsLow", 1.5},
      {"epsLow1", "loss.epsLow", 1.0},
      {"epsLowNeg", "loss.epsLow", -0.1},
      {"epsHighNeg", "loss.epsHigh", -1.0},
      {"betaNeg", "loss.beta", -0.5},
      {"tisCapHalf", "loss.tisCap", 0.5},
      {"tisCapNeg", "loss.tisCap", -1.0},
      {"tisCapZero", "loss.tisCap", 0.0},
      {"mu0", "loss.mu", 0},
      {"mu17", "loss.mu", 17},
      {"micro0", "loss.microBatchSize", 0},
      {"micro4097", "loss.microBatchSize", 4097},
      {"lr0", "optimizer.learningRate", 0.0},
      {"lrNeg", "optimizer.learningRate", -1.0},
      {"beta1One", "optimizer.beta1", 1.0},
      {"beta2Neg", "optimizer.beta2", -0.1},
      {"epsilon0", "optimizer.epsilon", 0.0},
      {"weightDecayNeg", "optimizer.weightDecay", -1.0},
      {"maxGradNormNeg", "optimizer.maxGradNorm", -1.0},
      {"warmupNeg", "optimizer.warmupSteps", -1},
      {"scheduleLinear", "optimizer.schedule", "linear"},
      {"cosineWarmupTooLong", "optimizer.schedule", "cosine", "optimizer.warmupSteps", 2},
      {"minLr15", "optimizer.minLrRatio", 1.5},
      {"modelMissing", "model", REMOVE},
      {"modelBoth", "model.checkpoint", "/nonexistent"},
      {"modelNeither", "model", Map.of("tokenizer", Map.of("type", "char"))},
      {"tokenizerTypeBpe", "model.tokenizer", Map.of("type", "bpe")},
      {"tokenizerTypeUpper", "model.tokenizer", Map.of("type", "CHAR")},
      {
        "tokenizerCharWithPath",
        "model.tokenizer",
        Map.of("type", "char", "path", "/x/tokenizer.json")
      },
      {"tokenizerEmptyAlphabet", "model.tokenizer", Map.of("type", "char", "alphabet", "")},
      {"tokenizerFileNoPath", "model.tokenizer", Map.of("type", "file")},
      {
        "tokenizerFileRelative", "model.tokenizer", Map.of("type", "file", "path", "tokenizer.json")
      },
      {
        "tokenizerFileNotTokenizer",
        "model.tokenizer",
        Map.of("type", "file", "path", d + "/data.jsonl")
      },
      {"tokenizerMissesPromptChars", "model.tokenizer", Map.of("type", "char", "alphabet", "0123")},
      {"checkpointRelative", "model", Map.of("checkpoint", "ckpt")},
      {"checkpointNoConfig", "model", Map.of("checkpoint", d + "/empty")},
      {"checkpointBadConfig", "model", Map.of("checkpoint", d + "/ckpt-bad")},
      {"checkpointNoTokenizer", "model", Map.of("checkpoint", d + "/ckpt-notok")},
      {"vocabTooSmall", "model.randomInit.vocabSize", 5},
      {"vocabHuge", "model.randomInit.vocabSize", 2000000},
      {"hidden1", "model.randomInit.hiddenSize", 1},
      {"intermediate0", "model.randomInit.intermediateSize", 0},
      {"layers0", "model.randomInit.layers", 0},
      {"heads0", "model.randomInit.heads", 0},
      {"kvHeads0", "model.randomInit.kvHeads", 0},
      {"maxPositions1", "model.randomInit.maxPositions", 1},
      {"headsNotDividing", "model.randomInit.heads", 3},
      {
        "kvHeadsNotDividing",
        "model.randomInit.kvHeads",
        2,
        "model.randomInit.heads",
        3,
        "model.randomInit.hiddenSize",
        18
      },
    };
  }

  @TestFactory
  List<DynamicTest> everyRequestCompletesOrFailsAsBefore() {
    var tests = new ArrayList<DynamicTest>();
    for (Object[] c : cases()) {
      String name = (String) c[0];
      tests.add(DynamicTest.dynamicTest(name, () -> check(name, request(c))));
    }
    assertThat(tests).hasSize(golden.size());
    return tests;
  }

  private void check(String name, RunRequest request) throws Exception {
    JsonNode expected = golden.get(name);
    assertThat(expected).as("golden outcome of " + name).isNotNull();
    if (expected.has("spec")) {
      RunSpec spec = validator.complete(request);
      assertThat(JSON.readTree(undir(spec.toJson()))).isEqualTo(expected.get("spec"));
      assertThat(RunSpec.fromJson(spec.toJson())).isEqualTo(spec);
      return;
    }
    var e =
        catchThrowableOfType(InvalidRunConfigException.class, () -> validator.complete(request));
    assertThat(e).as(name + " must be rejected").isNotNull();
    assertThat(e.field()).isEqualTo(expected.get("field").asText());
    assertThat(undir(e.value())).isEqualTo(expected.get("value").asText());
    assertThat(undir(e.rule())).isEqualTo(expected.get("rule").asText());
    assertThat(undir(e.getMessage())).isEqualTo(expected.get("message").asText());
  }

  private static String undir(String s) {
    return s.replace(dir.toString(), "${dir}");
  }

  @SuppressWarnings("unchecked")
  private static RunRequest request(Object[] c) throws Exception {
    int from = 1;
    Map<String, Object> body;
    String base = c.length > 1 && c[1] instanceof String s && s.startsWith("@") ? s : "";
    switch (base) {
      case "@null" -> {
        return null;
      }
      case "@demo" -> body = demo();
      case "@empty" -> body = new LinkedHashMap<>();
      default -> {
        body = TestRuns.tiny(2, 1);
        // Map.of iterates in an order that changes between JVMs; error values print the params.
        var params = new LinkedHashMap<String, Object>();
        params.put("minDigits", 1);
        params.put("maxDigits", 2);
        set(body, "dataset.params", params);
      }
    }
    if (!base.isEmpty()) {
      from = 2;
    }
    for (int i = from; i < c.length; i += 2) {
      set(body, (String) c[i], c[i + 1]);
    }
    return JSON.readValue(JSON.writeValueAsString(body), RunRequest.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> demo() throws Exception {
    var recipe =
        JSON.readValue(
            Files.readString(Path.of("../e2e-tests/src/main/resources/dev/grpo/e2e/demo-run.json")),
            Map.class);
    return (Map<String, Object>) recipe.get("run");
  }

  @SuppressWarnings("unchecked")
  private static void set(Map<String, Object> body, String path, Object value) {
    String[] p = path.split("\\.");
    Map<String, Object> m = body;
    for (int i = 0; i < p.length - 1; i++) {
      Object n = m.get(p[i]);
      var copy =
          n instanceof Map
              ? new LinkedHashMap<>((Map<String, Object>) n)
              : new LinkedHashMap<String, Object>();
      m.put(p[i], copy);
      m = copy;
    }
    if (value == REMOVE) {
      m.remove(p[p.length - 1]);
    } else {
      m.put(p[p.length - 1], value);
    }
  }

  @Test
  void theSpecHasEnumsAndPrimitivesAndSpellsThemAsTheRequestDoes() throws Exception {
    var body = TestRuns.tiny(4, 2);
    set(body, "loss.variant", "DR-GRPO");
    set(body, "optimizer.schedule", "Cosine");
    RunSpec spec =
        validator.complete(JSON.readValue(JSON.writeValueAsString(body), RunRequest.class));
    assertThat(spec.loss().variant()).isEqualTo(LossVariant.DR_GRPO);
    assertThat(spec.optimizer().schedule()).isEqualTo(LrSchedule.COSINE);
    assertThat(spec.model().tokenizer().type()).isEqualTo(TokenizerType.CHAR);
    JsonNode json = JSON.readTree(spec.toJson());
    assertThat(json.at("/loss/variant").asText()).isEqualTo("dr_grpo");
    assertThat(json.at("/optimizer/schedule").asText()).isEqualTo("cosine");
    assertThat(json.at("/model/tokenizer/type").asText()).isEqualTo("char");
    // A stored spec is a request too: completing it again gives the same spec.
    assertThat(validator.complete(JSON.readValue(spec.toJson(), RunRequest.class))).isEqualTo(spec);
  }

  @Test
  void theSpecIsImmutable() throws Exception {
    RunSpec spec =
        validator.complete(
            JSON.readValue(JSON.writeValueAsString(TestRuns.tiny(2, 1)), RunRequest.class));
    assertThatThrownBy(() -> spec.dataset().params().put("maxDigits", 9))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aStoredSpecThatIsNotASpecIsRefusedWithTheReason() throws Exception {
    RunSpec spec =
        validator.complete(
            JSON.readValue(JSON.writeValueAsString(TestRuns.tiny(2, 1)), RunRequest.class));
    String unknownField = spec.toJson().replaceFirst("\\{", "{\"nope\":1,");
    assertThatThrownBy(() -> RunSpec.fromJson(unknownField))
        .hasMessageContaining("not a stored run spec")
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> RunSpec.fromJson("{\"name\":\"x\"}"))
        .hasMessageContaining("not a stored run spec")
        .hasMessageContaining("model");
  }

  @Test
  void theTrainerBackendIsChosenPerRunOrByTheDeployment() throws Exception {
    var body =
        JSON.readValue(
            "{\"model\":{\"randomInit\":{}},\"dataset\":{\"generator\":\"digit_max\"}}",
            RunRequest.class);
    assertThat(validator.complete(body).trainer()).isEqualTo(RunSpec.TrainerSpec.EMBEDDED);
    assertThat(validator.complete(body).toJson()).doesNotContain("trainer");
    var torch =
        JSON.readValue(
            "{\"model\":{\"randomInit\":{}},\"dataset\":{\"generator\":\"digit_max\"},"
                + "\"trainer\":{\"backend\":\"torch\",\"workers\":2}}",
            RunRequest.class);
    RunSpec spec = validator.complete(torch);
    assertThat(spec.trainer()).isEqualTo(new RunSpec.TrainerSpec(RunSpec.TrainerBackend.TORCH, 2));
    assertThat(RunSpec.fromJson(spec.toJson()).trainer()).isEqualTo(spec.trainer());
    var deployment =
        new RunValidator(
            new TaskGenerators(List.of(new DigitMaxTask())),
            CheckerRegistry.fromServiceLoader(),
            new RunSpec.TrainerSpec(RunSpec.TrainerBackend.TORCH, 3));
    assertThat(deployment.complete(body).trainer().workers()).isEqualTo(3);
    var bad =
        JSON.readValue(
            "{\"model\":{\"randomInit\":{}},\"dataset\":{\"generator\":\"digit_max\"},"
                + "\"trainer\":{\"backend\":\"deepspeed\"}}",
            RunRequest.class);
    assertThatThrownBy(() -> validator.complete(bad))
        .hasMessageContaining("trainer.backend must be embedded or torch, was 'deepspeed'");
    var embeddedWithWorkers =
        JSON.readValue(
            "{\"model\":{\"randomInit\":{}},\"dataset\":{\"generator\":\"digit_max\"},"
                + "\"trainer\":{\"workers\":2}}",
            RunRequest.class);
    assertThatThrownBy(() -> validator.complete(embeddedWithWorkers))
        .hasMessageContaining("trainer.workers");
  }
}
