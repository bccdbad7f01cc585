package dev.grpo.rollout.health;

import dev.grpo.rollout.app.RolloutService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the worker's poll and generation threads run and it has not failed; DOWN with the
 * failure as {@code reason} once its processing loop has died, so an orchestrator restarts it.
 */
@Liveness
@ApplicationScoped
public class WorkerLiveness implements HealthCheck {
  private final RolloutService service;

  public WorkerLiveness(RolloutService service) {
    this.service = service;
  }

  @Override
  public HealthCheckResponse call() {
    var b = HealthCheckResponse.named("rollout-worker-loop");
    return service
        .node()
        .map(
            n -> {
              var w = n.worker();
              WorkerHealth.describe(b, w);
              if (!w.alive() && w.failure() == null) {
                b.withData("reason", "processing loop stopped");
              }
              return b.status(w.alive()).build();
            })
        .orElseGet(() -> b.withData("worker", "disabled").up().build());
  }
}
