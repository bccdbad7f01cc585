package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.reward.join.JoinScoring.HttpOutcome;
import jakarta.enterprise.context.ApplicationScoped;

/** Scores the HTTP parts of a group ({@code external.via: http}), one request per group. */
@ApplicationScoped
public class HttpParts {
  /** The part's scores, or why there are none (the caller applies {@code onTimeout}). */
  public HttpOutcome score(RolloutGroup group, CheckerSpec part) {
    return new HttpOutcome.Failed("HTTP scorers are not supported by this reward service yet");
  }
}
