package dev.grpo.rewards;

import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.RewardSpecValidator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scores every completion of a group against a {@link RewardSpec}: the one code path behind both
 * the Kafka consumer and {@code POST /score}.
 *
 * <p>Completions run in parallel on the caller's bounded executor, one task per completion, its
 * checkers in spec order. A completion that runs past {@link ScoringLimits#perCompletionMillis}, or
 * is still unfinished when {@link ScoringLimits#perGroupMillis} is spent, is interrupted; its
 * unfinished checkers score 0 with a "timed out" reason. A checker that throws scores 0 with the
 * exception as reason. Nothing here throws for model output.
 *
 * <p>For each completion: {@code total = Σ weight_i × score_i} over the checkers that returned a
 * score (timeouts and errors count as score 0); {@code components} holds those scores unweighted by
 * checker name; {@code reasons} holds a reason for every checker; {@code skipped} is true when any
 * checker said not applicable, and then that checker has a reason but no component.
 *
 * <p>Entries with {@code external} (topic parts, HTTP scorers) are not scored here: they add
 * nothing to {@code total}, {@code components} or {@code reasons}; {@link PartJoin} adds their
 * scores once they arrived.
 */
public final class GroupScorer {
  private final CheckerRegistry registry;
  private final RewardSpecValidator validator;
  private final ExecutorService executor;
  private final ScoringLimits limits;

  /**
   * @param registry where checker names are looked up
   * @param executor a bounded pool (e.g. one thread per core) owned by the caller
   * @param limits the time limits
   */
  public GroupScorer(CheckerRegistry registry, ExecutorService executor, ScoringLimits limits) {
    this.registry = registry;
    this.validator = new RewardSpecValidator(registry);
    this.executor = executor;
    this.limits = limits;
  }

  /** One completion to score: its text and its token count ({@code -1} when unknown). */
  public record CompletionText(String text, int tokens) {}

  /** Scores completions given as plain text (token counts unknown). */
  public List<CompletionScore> scoreTexts(
      String prompt, List<String> completions, RewardSpec spec, Map<String, Object> verification) {
    return score(
        prompt,
        completions.stream().map(t -> new CompletionText(t, -1)).toList(),
        spec,
        verification);
  }

  /**
   * Scores all completions of one group.
   *
   * @throws dev.grpo.rewardapi.InvalidRewardSpecException when the spec is invalid (nothing is
   *     scored); callers map it to a 400 or a dead letter
   */
  public List<CompletionScore> score(
      String prompt,
      List<CompletionText> completions,
      RewardSpec spec,
      Map<String, Object> verification) {
    validator.validate(spec);
    long startNanos = System.nanoTime();
    long groupDeadline = startNanos + TimeUnit.MILLISECONDS.toNanos(limits.perGroupMillis());
    long perCompletionNanos = TimeUnit.MILLISECONDS.toNanos(limits.perCompletionMillis());
    int n = completions.size();
    var states = new ArrayList<CompletionState>(n);
    var done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      var state = new CompletionState();
      states.add(state);
      var completion = completions.get(i);
      state.future =
          executor.submit(
              () -> {
                state.startNanos.set(System.nanoTime());
                try {
                  runCheckers(prompt, completion, spec, verification, state);
                } finally {
                  done.countDown();
                }
              });
    }
    awaitWithDeadlines(states, done, groupDeadline, perCompletionNanos);
    var scores = new ArrayList<CompletionScore>(n);
    for (int i = 0; i < n; i++) {
      scores.add(assemble(i, spec, states.get(i)));
    }
    return scores;
  }

  /** Results of one completion, filled by its task and read after it finished or was given up. */
  private static final class CompletionState {
    final Map<Integer, CheckResult> results = new ConcurrentHashMap<>();
    final AtomicLong startNanos = new AtomicLong();
    volatile String timeoutReason;
    Future<?> future;
  }

  private void runCheckers(
      String prompt,
      CompletionText completion,
      RewardSpec spec,
      Map<String, Object> verification,
      CompletionState state) {
    var entries = spec.checkers();
    for (int c = 0; c < entries.size(); c++) {
      if (Thread.currentThread().isInterrupted() || state.timeoutReason != null) {
        return;
      }
      var entry = entries.get(c);
      if (entry.isExternal()) {
        continue;
      }
      var input =
          new CheckInput(
              prompt, completion.text(), completion.tokens(), verification, entry.params());
      CheckResult result;
      try {
        result = registry.get(entry.name()).check(input);
      } catch (RuntimeException | StackOverflowError e) {
        // A checker bug must cost one sample its reward, not the whole group.
        result = CheckResult.scored(0, "checker failed: " + e);
      }
      synchronized (state) {
        // Once given up, the completion's results are frozen: a late answer must not count.
        if (state.timeoutReason != null) {
          return;
        }
        state.results.put(c, result);
      }
    }
  }

  /**
   * Waits for all tasks, interrupting each one that exceeds its own limit and all that remain when
   * the group budget is spent. The next wake-up is the earliest of: the group deadline, the
   * deadline of the earliest-started running task, or (when none has started) one full
   * per-completion limit from now, since a task starting later has a later deadline.
   */
  private static void awaitWithDeadlines(
      List<CompletionState> states,
      CountDownLatch done,
      long groupDeadline,
      long perCompletionNanos) {
    while (true) {
      long now = System.nanoTime();
      long next = Math.min(groupDeadline, now + perCompletionNanos);
      for (var state : states) {
        if (state.future.isDone() || state.timeoutReason != null) {
          continue;
        }
        long started = state.startNanos.get();
        if (now >= groupDeadline) {
          giveUp(state, "group time budget spent before this completion finished");
        } else if (started != 0 && now - started >= perCompletionNanos) {
          giveUp(
              state,
              "timed out after " + TimeUnit.NANOSECONDS.toMillis(perCompletionNanos) + " ms");
        } else if (started != 0) {
          next = Math.min(next, started + perCompletionNanos);
        }
      }
      if (now >= groupDeadline) {
        return;
      }
      try {
        if (done.await(Math.max(1, next - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        states.forEach(s -> giveUp(s, "scoring was interrupted"));
        return;
      }
      if (states.stream().allMatch(s -> s.future.isDone() || s.timeoutReason != null)) {
        return;
      }
    }
  }

  private static void giveUp(CompletionState state, String reason) {
    synchronized (state) {
      if (state.timeoutReason != null || state.future.isDone()) {
        return;
      }
      state.timeoutReason = reason;
    }
    state.future.cancel(true);
  }

  private static CompletionScore assemble(int index, RewardSpec spec, CompletionState state) {
    var components = new LinkedHashMap<String, Double>();
    var reasons = new LinkedHashMap<String, String>();
    double total = 0;
    boolean skipped = false;
    var entries = spec.checkers();
    for (int c = 0; c < entries.size(); c++) {
      var entry = entries.get(c);
      if (entry.isExternal()) {
        continue;
      }
      var result = state.results.get(c);
      if (result == null) {
        result =
            CheckResult.scored(
                0,
                state.timeoutReason != null
                    ? state.timeoutReason
                    : "not run (completion task ended early)");
      }
      reasons.put(entry.name(), result.reason());
      if (result instanceof CheckResult.Scored scored) {
        components.put(entry.name(), scored.score());
        total += entry.weight() * scored.score();
      } else {
        skipped = true;
      }
    }
    return new CompletionScore(index, total, components, reasons, skipped);
  }
}
