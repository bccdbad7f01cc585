package dev.grpo.rollout;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.rollout.messaging.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/**
 * The prompt consumer's static membership on the real broker: a member that dies without leaving
 * (as after kill -9) and comes back under the same id owns its partitions again within seconds,
 * long before the session timeout would have handed them to anyone else.
 */
class StaticMembershipTest {
  @Test
  void aRestartedMemberReclaimsItsPartitionsAtOnce() {
    String topic = "rollout-test.static-prompts";
    String group = "rollout-test-static";
    TestFixtures.createTopics(Map.of(topic, 2), Set.of());
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();

    long firstMillis = joinAndMeasure(bootstrap, group, topic, true);
    long restartMillis = joinAndMeasure(bootstrap, group, topic, false);
    System.out.printf(
        "static membership: first join %d ms, rejoin after a crash %d ms (session timeout %d ms)%n",
        firstMillis, restartMillis, KafkaClients.SESSION_TIMEOUT_MILLIS);
    assertTrue(
        restartMillis < KafkaClients.SESSION_TIMEOUT_MILLIS / 2,
        "rejoin took " + restartMillis + " ms");
  }

  /** Joins as the same static member, waits for its partitions, then "crashes" (no leave). */
  private static long joinAndMeasure(String bootstrap, String group, String topic, boolean first) {
    var props = KafkaClients.promptConsumer(bootstrap, group, "rollout-static-worker", 4);
    long t0 = System.nanoTime();
    var c = new KafkaConsumer<byte[], byte[]>(props);
    try {
      c.subscribe(List.of(topic));
      long deadline = t0 + Duration.ofSeconds(60).toNanos();
      while (c.assignment().size() < 2 && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(50));
      }
      assertTrue(c.assignment().size() == 2, "owns both partitions, first=" + first);
      return (System.nanoTime() - t0) / 1_000_000;
    } finally {
      c.close(
          CloseOptions.groupMembershipOperation(GroupMembershipOperation.REMAIN_IN_GROUP)
              .withTimeout(Duration.ZERO));
    }
  }
}
