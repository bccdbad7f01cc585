package dev.grpo.trainer.messaging;

import dev.grpo.contracts.Topics;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** The trainer's consumer lag on grpo.scored, as KEDA would read it. */
public final class ScoredLag {
  private ScoredLag() {}

  /** End offset minus the trainer group's committed offset, summed over grpo.scored. */
  public static long of(String bootstrap) throws Exception {
    try (var admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
      var committed =
          admin
              .listConsumerGroupOffsets(KafkaClients.CONSUMER_GROUP)
              .partitionsToOffsetAndMetadata()
              .get();
      var parts =
          admin
              .describeTopics(List.of(Topics.SCORED))
              .allTopicNames()
              .get()
              .get(Topics.SCORED)
              .partitions()
              .stream()
              .map(p -> new TopicPartition(Topics.SCORED, p.partition()))
              .toList();
      var ends =
          admin
              .listOffsets(
                  parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
              .all()
              .get();
      long lag = 0;
      for (var tp : parts) {
        var c = committed.get(tp);
        lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
      }
      return lag;
    }
  }
}
