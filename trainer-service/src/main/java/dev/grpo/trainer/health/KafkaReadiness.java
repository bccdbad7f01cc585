package dev.grpo.trainer.health;

import dev.grpo.trainer.messaging.KafkaClients;
import dev.grpo.trainer.messaging.TrainerLoop;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the broker answers and the training thread is alive (the trainer has no SmallRye
 * channels).
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
  private final KafkaClients clients;
  private final TrainerLoop loop;

  public KafkaReadiness(KafkaClients clients, TrainerLoop loop) {
    this.clients = clients;
    this.loop = loop;
  }

  @Override
  public HealthCheckResponse call() {
    var r =
        HealthCheckResponse.named("trainer-kafka")
            .withData("bootstrap", clients.bootstrapServers())
            .withData("trainingLoop", loop.isRunning());
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                clients.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000))) {
      int nodes = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
      return r.withData("brokers", nodes).status(loop.isRunning()).build();
    } catch (Exception e) {
      return r.withData("error", String.valueOf(e)).down().build();
    }
  }
}
