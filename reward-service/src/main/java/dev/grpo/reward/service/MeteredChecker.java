package dev.grpo.reward.service;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Wraps a checker to record its latency, score distribution, not-applicable results and errors,
 * without the checker (or {@code GroupScorer}) knowing about metrics. Behaviour is the delegate's.
 */
final class MeteredChecker implements Checker {
  private final Checker delegate;
  private static final Logger LOG = Logger.getLogger(MeteredChecker.class);
  private final RewardMetrics metrics;
  private volatile boolean meterFailureLogged;

  MeteredChecker(Checker delegate, RewardMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  /** The wrapped checker (for listing its class). */
  Checker delegate() {
    return delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public String description() {
    return delegate.description();
  }

  @Override
  public List<ParamSpec> params() {
    return delegate.params();
  }

  @Override
  public void validate(Map<String, Object> params) {
    delegate.validate(params);
  }

  @Override
  public CheckResult check(CheckInput input) {
    long start = System.nanoTime();
    CheckResult result;
    try {
      result = delegate.check(input);
    } catch (RuntimeException | Error e) {
      record(
          () -> {
            metrics.checkerError(delegate.name());
            metrics.checkerLatency(delegate.name(), System.nanoTime() - start);
          });
      throw e;
    }
    long nanos = System.nanoTime() - start;
    record(
        () -> {
          metrics.checkerLatency(delegate.name(), nanos);
          if (result instanceof CheckResult.Scored scored) {
            metrics.checkerScore(delegate.name(), scored.score());
          } else if (result instanceof CheckResult.NotApplicable) {
            metrics.checkerNotApplicable(delegate.name());
          }
        });
    return result;
  }

  /** Metrics must never change a reward: a failing meter is logged once and otherwise ignored. */
  private void record(Runnable recording) {
    try {
      recording.run();
    } catch (RuntimeException e) {
      if (!meterFailureLogged) {
        meterFailureLogged = true;
        LOG.warnf(e, "recording metrics of checker %s failed; scoring goes on", delegate.name());
      }
    }
  }
}
