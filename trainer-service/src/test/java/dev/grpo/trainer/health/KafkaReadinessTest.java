package dev.grpo.trainer.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.messaging.KafkaClients;
import dev.grpo.trainer.messaging.TrainerLoop;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Readiness while the broker is away: DOWN, with the reason in the payload. */
class KafkaReadinessTest {
  @Test
  void aBrokerThatDoesNotAnswerIsReadinessDownWithAReason() throws Exception {
    int port;
    try (var s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String nobody = "127.0.0.1:" + port;
    var clients = new KafkaClients(nobody, "t-0");
    // A loop that was never started: not the reason here.
    var loop =
        new TrainerLoop(
            null,
            clients,
            null,
            null,
            null,
            io.opentelemetry.api.trace.TracerProvider.noop().get("test"));
    var r = new KafkaReadiness(clients, loop).call();
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    assertThat(r.getData().orElseThrow().get("reason").toString())
        .startsWith("the broker does not answer");
  }
}
