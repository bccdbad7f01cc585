package dev.grpo.trainer.service;

import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.persistence.StepRecords;
import dev.grpo.trainer.run.PolicyConfigs;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.tasks.PromptDataset;
import org.jboss.logging.Logger;

/**
 * The held-out evaluation of one run: at step 0, every {@code eval.every} steps and at the last
 * step, the evaluation prompts are sampled with the run's in-memory policy and scored by {@link
 * Evaluator}; the accuracy per checker is recorded and exported.
 */
final class HeldOutEval {
  private static final Logger LOG = Logger.getLogger(HeldOutEval.class);

  private final String runId;
  private final RunSpec spec;
  private final PromptDataset dataset;
  private final Evaluator evaluator;
  private final StepRecords store;
  private final TrainerMetrics metrics;

  HeldOutEval(
      String runId,
      RunSpec spec,
      PromptDataset dataset,
      Evaluator evaluator,
      StepRecords store,
      TrainerMetrics metrics) {
    this.runId = runId;
    this.spec = spec;
    this.dataset = dataset;
    this.evaluator = evaluator;
    this.store = store;
    this.metrics = metrics;
  }

  /** The evaluation of a run on the training loop's evaluator, database and meters. */
  static HeldOutEval of(String runId, RunSpec spec, PromptDataset dataset, RunEnv env) {
    return new HeldOutEval(runId, spec, dataset, env.evaluator(), env.store(), env.metrics());
  }

  /** Whether the run evaluates after {@code completedSteps} steps. */
  static boolean due(RunSpec spec, int completedSteps, boolean hasEvalSet) {
    int every = spec.eval().every();
    if (every == 0 || !hasEvalSet) {
      return false;
    }
    return completedSteps % every == 0 || completedSteps == spec.steps();
  }

  /** Whether this run evaluates after {@code completedSteps} steps. */
  boolean dueAt(int completedSteps) {
    return due(spec, completedSteps, !dataset.eval().isEmpty());
  }

  /** Evaluates {@code policy} when {@link #due}. */
  void evaluateIfDue(int completedSteps, RunPolicy policy) {
    if (!due(spec, completedSteps, !dataset.eval().isEmpty())) {
      return;
    }
    var result =
        evaluator.evaluate(
            policy.model(),
            policy.tokenizer(),
            dataset.eval(),
            spec.rewardSpec(),
            PolicyConfigs.evalSampling(spec));
    store.recordEval(runId, completedSteps, result.accuracy(), result.examples());
    result.accuracy().forEach((checker, acc) -> metrics.evalAccuracy(runId, checker, acc));
    LOG.infof(
        "run %s eval at step %d on %d prompts: %s",
        runId, completedSteps, result.examples(), result.accuracy());
  }
}
