package dev.grpo.rollout.health;

import dev.grpo.rollout.app.RolloutService;
import dev.grpo.rollout.messaging.RolloutWorker;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the worker is alive ({@link WorkerLiveness}), its consumer polled within the last 30
 * s (a consumer that cannot reach the broker keeps polling, so this also reflects Kafka), and no
 * dead-letter write has waited for the broker longer than {@link
 * dev.grpo.contracts.DeadLetterWrites#STUCK_AFTER_MILLIS}.
 */
@Readiness
@ApplicationScoped
public class WorkerHealth implements HealthCheck {
  static final long POLLED_WITHIN_MILLIS = 30_000;
  private final RolloutService service;

  public WorkerHealth(RolloutService service) {
    this.service = service;
  }

  @Override
  public HealthCheckResponse call() {
    var b = HealthCheckResponse.named("rollout-worker");
    return service
        .node()
        .map(
            n -> {
              var w = n.worker();
              describe(b, w);
              var writes = w.deadLetterWrites();
              boolean up = w.healthy(POLLED_WITHIN_MILLIS) && !writes.stuck();
              if (writes.stuck()) {
                b.withData(
                    "reason", "dead-letter writes wait for the broker: " + writes.describe());
              } else if (!up && w.failure() == null) {
                b.withData("reason", "no poll within " + POLLED_WITHIN_MILLIS + " ms");
              }
              return b.status(up).build();
            })
        .orElseGet(() -> b.withData("worker", "disabled").up().build());
  }

  /** The data both checks report. */
  static void describe(
      org.eclipse.microprofile.health.HealthCheckResponseBuilder b, RolloutWorker w) {
    b.withData("workerId", w.workerId())
        .withData("heldTasks", w.heldTasks())
        .withData("assignment", w.assignment().toString())
        .withData("deadLetterWrites", w.deadLetterWrites().describe());
    if (w.failure() != null) {
      b.withData("reason", "processing loop died: " + w.failure());
    }
  }
}
