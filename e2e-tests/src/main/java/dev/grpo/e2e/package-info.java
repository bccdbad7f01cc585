/**
 * The Java side of the {@code ./grpo demo} launcher and of the end-to-end tests: a small client of
 * the trainer's REST API ({@link dev.grpo.e2e.TrainerClient}), the demo recipe ({@link
 * dev.grpo.e2e.DemoRecipe}), the terminal progress line ({@link dev.grpo.e2e.ProgressLine}) and the
 * report folder ({@link dev.grpo.e2e.ReportWriter}, {@link dev.grpo.e2e.CurvePlot}). Depends on
 * Jackson only, so the launcher runs it on a small classpath.
 */
package dev.grpo.e2e;
