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
 * Ready when the broker answers, the training thread is alive and no dead-letter write has waited
 * for the broker longer than {@link dev.grpo.contracts.DeadLetterWrites#STUCK_AFTER_MILLIS} (the
 * trainer has no SmallRye channels); the database has its own check (Agroal's). A DOWN answer names
 * its {@code reason}.
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
            .withData("trainingLoop", loop.isRunning())
            .withData("deadLetterWrites", loop.deadLetterWrites().describe());
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
      r.withData("brokers", nodes);
    } catch (Exception e) {
      return r.withData("reason", "the broker does not answer: " + e).down().build();
    }
    String down = loop.downReason();
    if (down == null && loop.deadLetterWrites().stuck()) {
      down = "dead-letter writes wait for the broker";
    }
    return down == null ? r.up().build() : r.withData("reason", down).down().build();
  }
}
