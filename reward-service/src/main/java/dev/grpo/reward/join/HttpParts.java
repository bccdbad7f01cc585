package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.reward.http.HttpScorerClient;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The service's one {@link HttpScorerClient} (one guard and circuit breaker per endpoint): scores
 * the HTTP parts of a group ({@code external.via: http}), one request per group.
 */
@ApplicationScoped
public class HttpParts {
  private final HttpScorerClient client = new HttpScorerClient();

  /** The part's scores, or why there are none (the caller applies {@code onTimeout}). */
  public HttpScorerClient.Result score(RolloutGroup group, CheckerSpec part) {
    return client.score(group, part);
  }
}
