package dev.grpo.reward.service;

import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.DeadLetters;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;

/**
 * The service's Micrometer meters (Prometheus names replace dots with underscores):
 *
 * <ul>
 *   <li>{@code grpo_reward_completions_scored_total{source}}: completions scored; its rate is
 *       completions per second. Kafka counts only after the transaction committed.
 *   <li>{@code grpo_reward_groups_scored_total{source}}: groups scored.
 *   <li>{@code grpo_reward_checker_latency_seconds{checker}}: time of one {@code check} call
 *       (histogram).
 *   <li>{@code grpo_reward_checker_score{checker}}: count, sum and max of each checker's scores,
 *       and {@code grpo_reward_checker_score_tenths_total{checker,bucket}}: how many scores fell in
 *       each tenth of [-1, 1] ({@code bucket} is the lower bound, e.g. {@code 0.9} holds [0.9, 1);
 *       {@code 1.0} holds exactly 1, values outside [-1, 1] are clamped). Micrometer histograms
 *       only take positive bucket bounds, and penalties are negative, hence the counters.
 *   <li>{@code grpo_reward_checker_not_applicable_total{checker}}, {@code
 *       grpo_reward_checker_errors_total{checker}}.
 *   <li>{@code grpo_reward_timeouts_total{source}}: checker results replaced by a time-limit
 *       reason.
 *   <li>{@code grpo_reward_dead_letters_total{stage}}: records written to {@code grpo.dlq}.
 *   <li>{@code grpo_reward_transactions_aborted_total}: batches whose transaction aborted (they are
 *       consumed again from the last committed offset).
 * </ul>
 */
@ApplicationScoped
@Startup // so the dead-letter counters exist at 0 before the first letter (see constructor)
public class RewardMetrics {
  /** Reason prefixes with which {@code GroupScorer} replaces the results of timed-out work. */
  static final List<String> TIMEOUT_REASON_PREFIXES =
      List.of("timed out after", "group time budget spent");

  private static final String[] BUCKET_LABELS = bucketLabels();

  private final MeterRegistry registry;

  public RewardMetrics(MeterRegistry registry) {
    this.registry = registry;
    // Registered at 0: a counter first seen at 1 shows no increase() in Prometheus, so the first
    // dead letter of a stage would read 0 on the dashboard.
    for (String stage : DEAD_LETTER_STAGES) {
      registry.counter("grpo.reward.dead.letters", "stage", stage);
    }
  }

  /** The stages of {@code grpo_reward_dead_letters_total}. */
  static final List<String> DEAD_LETTER_STAGES =
      List.of(
          DeadLetters.REWARD_DECODE,
          DeadLetters.REWARD_SCORE,
          DeadLetters.REWARD_PUBLISH,
          DeadLetters.REWARD_PART,
          DeadLetters.REWARD_JOIN);

  /** Records one {@code check} call of {@code checker}. */
  public void checkerLatency(String checker, long nanos) {
    Timer.builder("grpo.reward.checker.latency")
        .description("time of one check() call")
        .tag("checker", checker)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** Records one score given by {@code checker}. */
  public void checkerScore(String checker, double score) {
    DistributionSummary.builder("grpo.reward.checker.score")
        .description("scores given by a checker (unweighted)")
        .tag("checker", checker)
        .register(registry)
        .record(score);
    registry
        .counter("grpo.reward.checker.score.tenths", "checker", checker, "bucket", bucket(score))
        .increment();
  }

  /** The lower bound of the tenth of [-1, 1] that holds {@code score}, as text. */
  static String bucket(double score) {
    double clamped = Math.max(-1.0, Math.min(1.0, score));
    int tenth = (int) Math.floor(clamped * 10 + 1e-9);
    return BUCKET_LABELS[tenth + 10];
  }

  /** Counts a not-applicable result of {@code checker}. */
  public void checkerNotApplicable(String checker) {
    registry.counter("grpo.reward.checker.not.applicable", "checker", checker).increment();
  }

  /** Counts an exception thrown by {@code checker}. */
  public void checkerError(String checker) {
    registry.counter("grpo.reward.checker.errors", "checker", checker).increment();
  }

  /** Counts a scored group and its completions, and the timeouts among their results. */
  public void groupScored(String source, List<CompletionScore> scores) {
    registry.counter("grpo.reward.groups.scored", "source", source).increment();
    registry.counter("grpo.reward.completions.scored", "source", source).increment(scores.size());
    long timeouts =
        scores.stream()
            .flatMap(s -> s.reasons().values().stream())
            .filter(RewardMetrics::isTimeout)
            .count();
    if (timeouts > 0) {
      registry.counter("grpo.reward.timeouts", "source", source).increment(timeouts);
    }
  }

  /** Counts a record written to the dead-letter topic. */
  public void deadLetter(String stage) {
    registry.counter("grpo.reward.dead.letters", "stage", stage).increment();
  }

  /** Counts a reward part that arrived after its group was scored or dropped. */
  public void latePart() {
    registry.counter("grpo.reward.parts.late").increment();
  }

  /** Counts an external part whose wait ended without it (or whose HTTP call failed). */
  public void partTimedOut(String checker) {
    registry.counter("grpo.reward.parts.timed.out", "checker", checker).increment();
  }

  /** Counts an aborted batch transaction. */
  public void transactionAborted() {
    registry.counter("grpo.reward.transactions.aborted").increment();
  }

  static boolean isTimeout(String reason) {
    return reason != null && TIMEOUT_REASON_PREFIXES.stream().anyMatch(reason::startsWith);
  }

  private static String[] bucketLabels() {
    var labels = new String[21];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = String.format(java.util.Locale.ROOT, "%.1f", (i - 10) / 10.0);
    }
    return labels;
  }
}
