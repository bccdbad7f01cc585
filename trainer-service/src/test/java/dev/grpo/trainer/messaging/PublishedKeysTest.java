package dev.grpo.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localinfra.SharedTestInfrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@link PublishedKeys} on the real broker: what a resumed trainer reads back before re-sending.
 */
class PublishedKeysTest {
  private final String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
  private final KafkaClients clients = new KafkaClients(bootstrap, "published-keys-test");

  @Test
  void findsTheKeysWrittenSinceTheInstantOnEveryPartitionAndNoOthers() throws Exception {
    String topic = newTopic(3);
    try (var producer = clients.producer()) {
      // Written long before the instant (an hour, past the clock slack): not asked about.
      long old = Instant.now().minus(Duration.ofHours(1)).toEpochMilli();
      producer.send(new ProducerRecord<>(topic, null, old, "run-g0", new byte[] {1})).get();
      producer.send(new ProducerRecord<>(topic, null, old, "run-g1", new byte[] {1})).get();
      for (int i = 2; i < 40; i++) {
        producer.send(new ProducerRecord<>(topic, "run-g" + i, new byte[] {1})).get();
      }
    }
    Instant since = Instant.now().minus(Duration.ofSeconds(5));

    try (var reader = clients.logReader("published-keys-test", 7)) {
      Set<String> found =
          PublishedKeys.find(
              reader,
              topic,
              List.of("run-g0", "run-g3", "run-g17", "run-g39", "run-g40"),
              since,
              Duration.ofSeconds(30));
      // g0 is on the log but older than the window read; g40 was never written.
      assertThat(found).containsExactlyInAnyOrder("run-g3", "run-g17", "run-g39");
    }
  }

  @Test
  void anEmptyWindowReadsNothing() throws Exception {
    String topic = newTopic(2);
    try (var reader = clients.logReader("published-keys-test", 7)) {
      assertThat(
              PublishedKeys.find(
                  reader, topic, List.of("run-g1"), Instant.now(), Duration.ofSeconds(30)))
          .isEmpty();
    }
  }

  private String newTopic(int partitions) throws Exception {
    String topic = "published-keys-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
    return topic;
  }
}
