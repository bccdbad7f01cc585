package dev.grpo.reward.health;

import dev.grpo.reward.messaging.ScoringLoopState;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the Kafka scoring loop can make progress; DOWN with {@code reason} once it died of a
 * failure no retry can cure ({@link ScoringLoopState}), so an orchestrator restarts the instance.
 */
@Liveness
@ApplicationScoped
public class ScoringLoopLiveness implements HealthCheck {
  private final ScoringLoopState state;

  public ScoringLoopLiveness(ScoringLoopState state) {
    this.state = state;
  }

  @Override
  public HealthCheckResponse call() {
    var b = HealthCheckResponse.named("reward-scoring-loop");
    String reason = state.deathReason();
    return reason == null
        ? b.up().build()
        : b.withData("reason", "the scoring loop died: " + reason).down().build();
  }
}
