package dev.grpo.trainer.health;

import dev.grpo.trainer.messaging.TrainerLoop;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the training loop runs; DOWN with the loop's crash as {@code reason} once it has died,
 * so that an orchestrator restarts the process (which resumes every run from its checkpoint).
 */
@Liveness
@ApplicationScoped
public class TrainingLoopLiveness implements HealthCheck {
  private final TrainerLoop loop;

  public TrainingLoopLiveness(TrainerLoop loop) {
    this.loop = loop;
  }

  @Override
  public HealthCheckResponse call() {
    var b =
        HealthCheckResponse.named("trainer-loop")
            .withData("trainingLoop", loop.isRunning())
            .withData("deadLetterWrites", loop.deadLetterWrites().describe());
    String reason = loop.downReason();
    if (reason != null) {
      return b.withData("reason", reason).down().build();
    }
    return b.up().build();
  }
}
