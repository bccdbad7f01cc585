package dev.grpo.bench.demo;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.GrpoTrainer;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.policy.train.TrainingSample;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewards.ExactMatchChecker;
import dev.grpo.rewards.PositionMatchChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * In-process study of the demo recipe: a randomly initialised tiny Llama learns a {@link DigitTask}
 * by GRPO alone (sample G completions per prompt, score with a deterministic checker, one {@link
 * GrpoTrainer} step), with greedy exact-match accuracy on the held-out prompts measured every few
 * steps. No Kafka, no services: this measures what the recipe can reach on the CPU budget the demo
 * has, before the pipeline's overheads.
 *
 * <p>Run (after {@code mvn -B -o -q -pl benchmarks -am install -DskipTests}):
 *
 * <pre>
 * cd /work/main &amp;&amp; DJL_OFFLINE=true java -cp "benchmarks/target/classes:$(cat benchmarks/target/demo.classpath)" \
 *     dev.grpo.bench.demo.DemoRecipeStudy --task max --minDigits 4 --maxDigits 4 --seed 1
 * </pre>
 *
 * where {@code benchmarks/target/demo.classpath} comes from {@code mvn -B -o -q -pl benchmarks
 * dependency:build-classpath -Dmdep.outputFile=target/demo.classpath}. Every option is {@code
 * --name value}; {@code --help} lists them with their defaults. Prints one line per evaluation and
 * writes the same curve as CSV to {@code --csv} (default {@code
 * benchmarks/target/demo-study/<task>-seed<seed>.csv}).
 */
public final class DemoRecipeStudy {

  /** Options with their defaults: the recipe this study settled on (see demo-decision.md). */
  static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("task", "max");
    d.put("minDigits", "4");
    d.put("maxDigits", "4");
    d.put("seed", "1");
    d.put("hidden", "64");
    d.put("intermediate", "256");
    d.put("layers", "2");
    d.put("heads", "4");
    d.put("kvHeads", "4");
    d.put("groupSize", "16");
    d.put("groupsPerStep", "8");
    d.put("lr", "0.001");
    d.put("warmupSteps", "0");
    d.put("schedule", "constant");
    d.put("totalSteps", "0");
    d.put("maxGradNorm", "1.0");
    d.put("lossVariant", "grpo");
    d.put("epsLow", "0.2");
    d.put("epsHigh", "0.28");
    d.put("beta", "0");
    d.put("mu", "1");
    d.put("temperature", "1.0");
    d.put("reward", "position_match");
    d.put("evalEvery", "10");
    d.put("evalSize", "500");
    d.put("target", "0.8");
    d.put("extraEvalsAfterTarget", "2");
    d.put("maxSeconds", "480");
    d.put("maxSteps", "100000");
    d.put("threads", "1");
    d.put("csv", "");
    return Collections.unmodifiableMap(d);
  }

  private DemoRecipeStudy() {}

  /** One point of the curve. */
  record CurvePoint(
      long step,
      double seconds,
      double trainRewardMean,
      double trainExact,
      double evalAccuracy,
      double entropy,
      int zeroStdGroups,
      double stepMillis) {}

  public static void main(String[] args) throws IOException {
    DjlOffline.enable();
    Map<String, String> opt = parse(args);
    DigitTask task =
        new DigitTask(
            DigitTask.Operation.parse(opt.get("task")),
            integer(opt, "minDigits"),
            integer(opt, "maxDigits"));
    long seed = Long.parseLong(opt.get("seed"));
    int threads = integer(opt, "threads");
    Engine.getEngine(
        "PyTorch"); // loads the native library, which the thread settings below call into
    JniUtils.setNumThreads(threads);
    JniUtils.setNumInteropThreads(1);

    List<DigitTask.Instance> train = new ArrayList<>();
    List<DigitTask.Instance> heldOut = new ArrayList<>();
    for (DigitTask.Instance in : task.instances()) {
      (in.heldOut() ? heldOut : train).add(in);
    }
    // A fixed evaluation subset (the same for every seed): every k-th held-out instance.
    int evalSize = Math.min(integer(opt, "evalSize"), heldOut.size());
    List<DigitTask.Instance> eval = new ArrayList<>();
    for (int i = 0; i < evalSize; i++) {
      eval.add(heldOut.get((int) ((long) i * heldOut.size() / evalSize)));
    }

    CharTokenizer tokenizer = new CharTokenizer(task.alphabet());
    int maxNewTokens = task.maxNewTokens();
    int promptTokens =
        PromptEncoding.withBos(tokenizer, task.instance("0".repeat(task.maxDigits())).prompt())
            .length;
    ModelConfig modelConfig =
        new ModelConfig(
            ModelConfig.LLAMA,
            tokenizer.vocabSize(),
            integer(opt, "hidden"),
            integer(opt, "intermediate"),
            integer(opt, "layers"),
            integer(opt, "heads"),
            integer(opt, "kvHeads"),
            promptTokens + maxNewTokens,
            1e-6,
            10000.0,
            false,
            false,
            CharTokenizer.BOS,
            CharTokenizer.EOS,
            0.02);

    double temperature = Double.parseDouble(opt.get("temperature"));
    LossVariant variant = LossVariant.parse(opt.get("lossVariant"));
    double beta = Double.parseDouble(opt.get("beta"));
    GrpoTrainerConfig trainerConfig =
        new GrpoTrainerConfig(
            new LossConfig(
                variant,
                Double.parseDouble(opt.get("epsLow")),
                Double.parseDouble(opt.get("epsHigh")),
                beta,
                0.0),
            integer(opt, "mu"),
            256,
            temperature,
            variant == LossVariant.DR_GRPO ? maxNewTokens : 0,
            new AdamWConfig(
                Double.parseDouble(opt.get("lr")),
                0.9,
                0.99,
                1e-8,
                0.0,
                Double.parseDouble(opt.get("maxGradNorm")),
                integer(opt, "warmupSteps"),
                LrSchedule.valueOf(opt.get("schedule").toUpperCase(Locale.ROOT)),
                integer(opt, "totalSteps"),
                0.1));

    Checker rewardChecker =
        switch (opt.get("reward")) {
          case "position_match" -> new PositionMatchChecker();
          case "exact_match" -> new ExactMatchChecker();
          default ->
              throw new IllegalArgumentException(
                  "reward must be position_match or exact_match, was " + opt.get("reward"));
        };
    Map<String, Object> rewardParams =
        rewardChecker instanceof ExactMatchChecker ? Map.of("extract", "region") : Map.of();
    Checker evalChecker = new ExactMatchChecker();
    Map<String, Object> evalParams = Map.of("extract", "region");
    rewardChecker.validate(rewardParams);
    evalChecker.validate(evalParams);

    int groupSize = integer(opt, "groupSize");
    int groupsPerStep = integer(opt, "groupsPerStep");
    int evalEvery = integer(opt, "evalEvery");
    double target = Double.parseDouble(opt.get("target"));
    double maxSeconds = Double.parseDouble(opt.get("maxSeconds"));
    long maxSteps = Long.parseLong(opt.get("maxSteps"));
    int extraEvals = integer(opt, "extraEvalsAfterTarget");
    Path csv =
        Path.of(
            opt.get("csv").isEmpty()
                ? "benchmarks/target/demo-study/"
                    + task.operation().name().toLowerCase(Locale.ROOT)
                    + "-seed"
                    + seed
                    + ".csv"
                : opt.get("csv"));
    Files.createDirectories(csv.toAbsolutePath().getParent());

    System.out.printf(
        Locale.ROOT,
        "task=%s digits=%d..%d prompt example \"%s\" -> \"%s\"; train=%d heldOut=%d eval=%d"
            + " (greedy exact match); vocab=%d%n",
        task.operation(),
        task.minDigits(),
        task.maxDigits(),
        train.get(0).prompt(),
        train.get(0).answer(),
        train.size(),
        heldOut.size(),
        eval.size(),
        tokenizer.vocabSize());
    System.out.println("options " + opt);

    SplittableRandom promptRng = new SplittableRandom(seed);
    Sampler sampler = new Sampler();
    List<CurvePoint> curve = new ArrayList<>();
    try (LlamaModel policy = LlamaModel.randomInit(modelConfig, Device.cpu(), seed);
        GrpoTrainer trainer = new GrpoTrainer(policy, trainerConfig);
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
      System.out.printf(
          Locale.ROOT, "model params=%d config=%s%n", policy.parameterCount(), modelConfig);
      out.println(
          "step,seconds,train_reward_mean,train_exact,eval_accuracy,entropy,zero_std_groups,step_millis");
      long start = System.nanoTime();
      double rewardSum = 0;
      double exactSum = 0;
      double entropySum = 0;
      int zeroStdSum = 0;
      int window = 0;
      long windowStart = start;
      Long reachedAt = null;
      int evalsAfterTarget = 0;
      for (long step = 0; ; step++) {
        if (step % evalEvery == 0) {
          double seconds = (System.nanoTime() - start) / 1e9;
          double accuracy =
              evaluate(policy, tokenizer, sampler, eval, maxNewTokens, evalChecker, evalParams);
          CurvePoint p =
              new CurvePoint(
                  step,
                  seconds,
                  window == 0 ? Double.NaN : rewardSum / window,
                  window == 0 ? Double.NaN : exactSum / window,
                  accuracy,
                  window == 0 ? Double.NaN : entropySum / window,
                  zeroStdSum,
                  window == 0 ? Double.NaN : (System.nanoTime() - windowStart) / 1e6 / window);
          curve.add(p);
          System.out.printf(
              Locale.ROOT,
              "step %5d  t=%6.1fs  train reward %.3f  train exact %.3f  eval acc %.3f"
                  + "  entropy %.3f  zeroStd %d  ms/step %.0f%n",
              p.step(),
              p.seconds(),
              p.trainRewardMean(),
              p.trainExact(),
              p.evalAccuracy(),
              p.entropy(),
              p.zeroStdGroups(),
              p.stepMillis());
          out.printf(
              Locale.ROOT,
              "%d,%.2f,%.4f,%.4f,%.4f,%.4f,%d,%.1f%n",
              p.step(),
              p.seconds(),
              p.trainRewardMean(),
              p.trainExact(),
              p.evalAccuracy(),
              p.entropy(),
              p.zeroStdGroups(),
              p.stepMillis());
          out.flush();
          rewardSum = exactSum = entropySum = 0;
          zeroStdSum = window = 0;
          windowStart = System.nanoTime();
          if (accuracy >= target && reachedAt == null) {
            reachedAt = step;
            System.out.printf(
                Locale.ROOT,
                "TARGET eval acc %.3f >= %.2f at step %d, %.1f s (seed %d)%n",
                accuracy,
                target,
                step,
                seconds,
                seed);
          }
          if (reachedAt != null && evalsAfterTarget++ >= extraEvals) {
            break;
          }
          if (seconds > maxSeconds || step >= maxSteps) {
            System.out.printf(
                Locale.ROOT,
                "STOPPED at step %d, %.1f s without reaching %.2f (best %.3f, seed %d)%n",
                step,
                seconds,
                target,
                curve.stream().mapToDouble(CurvePoint::evalAccuracy).max().orElse(0),
                seed);
            break;
          }
        }
        List<DigitTask.Instance> batch = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int g = 0; g < groupsPerStep; g++) {
          DigitTask.Instance in = train.get(promptRng.nextInt(train.size()));
          batch.add(in);
          int[] ids = PromptEncoding.withBos(tokenizer, in.prompt());
          for (int i = 0; i < groupSize; i++) {
            prompts.add(ids);
          }
        }
        List<Generation> gens =
            sampler.generate(
                policy,
                tokenizer,
                prompts,
                SamplingConfig.ofTemperature(temperature, maxNewTokens, seed * 1_000_003L + step));
        List<TrainingGroup> groups = new ArrayList<>();
        for (int g = 0; g < groupsPerStep; g++) {
          DigitTask.Instance in = batch.get(g);
          List<TrainingSample> samples = new ArrayList<>();
          for (int i = 0; i < groupSize; i++) {
            Generation gen = gens.get(g * groupSize + i);
            double reward = score(rewardChecker, rewardParams, in, gen);
            samples.add(new TrainingSample(gen.tokenIds(), gen.logProbs(), reward));
            exactSum += score(evalChecker, evalParams, in, gen) / (groupsPerStep * groupSize);
          }
          groups.add(new TrainingGroup(prompts.get(g * groupSize), samples, step));
        }
        StepMetrics m = trainer.step(groups);
        rewardSum += m.rewardMean();
        entropySum += m.entropy();
        zeroStdSum += m.zeroStdGroups();
        window++;
      }
    }
    System.out.println("curve written to " + csv.toAbsolutePath());
  }

  /** Greedy exact-match accuracy on the evaluation prompts, in one batch. */
  static double evaluate(
      LlamaModel policy,
      CharTokenizer tokenizer,
      Sampler sampler,
      List<DigitTask.Instance> eval,
      int maxNewTokens,
      Checker checker,
      Map<String, Object> params) {
    List<int[]> prompts =
        eval.stream().map(in -> PromptEncoding.withBos(tokenizer, in.prompt())).toList();
    List<Generation> gens =
        sampler.generate(policy, tokenizer, prompts, SamplingConfig.greedy(maxNewTokens));
    double correct = 0;
    for (int i = 0; i < eval.size(); i++) {
      correct += score(checker, params, eval.get(i), gens.get(i));
    }
    return correct / eval.size();
  }

  static double score(
      Checker checker, Map<String, Object> params, DigitTask.Instance in, Generation gen) {
    CheckResult r =
        checker.check(
            new CheckInput(
                in.prompt(),
                gen.text(),
                gen.tokenIds().length,
                Map.of("answer", in.answer()),
                params));
    if (r instanceof CheckResult.Scored s) {
      return s.score();
    }
    throw new IllegalStateException(
        checker.name() + " could not judge \"" + in.prompt() + "\": " + r.reason());
  }

  static int integer(Map<String, String> opt, String name) {
    try {
      return Integer.parseInt(opt.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, was " + opt.get(name));
    }
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> opt = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help")) {
        System.out.println("options (--name value) and defaults: " + DEFAULTS);
        System.exit(0);
      }
      if (!args[i].startsWith("--") || !DEFAULTS.containsKey(args[i].substring(2))) {
        throw new IllegalArgumentException(
            "option must be one of --"
                + String.join(", --", DEFAULTS.keySet())
                + ", was "
                + args[i]);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      opt.put(args[i].substring(2), args[++i]);
    }
    return opt;
  }
}
