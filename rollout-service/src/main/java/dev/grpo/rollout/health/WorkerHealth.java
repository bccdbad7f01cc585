package dev.grpo.rollout.health;

import dev.grpo.rollout.app.RolloutService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready and live while the worker's threads run, it has not failed, and its consumer polled within
 * the last 30 s (a consumer that cannot reach the broker keeps polling, so this also reflects
 * Kafka).
 */
@Readiness
@Liveness
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
              b.withData("workerId", w.workerId())
                  .withData("heldTasks", w.heldTasks())
                  .withData("assignment", w.assignment().toString());
              if (w.failure() != null) {
                b.withData("failure", w.failure().toString());
              }
              return b.status(w.healthy(POLLED_WITHIN_MILLIS)).build();
            })
        .orElseGet(() -> b.withData("worker", "disabled").up().build());
  }
}
