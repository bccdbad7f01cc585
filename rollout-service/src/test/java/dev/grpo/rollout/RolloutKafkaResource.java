package dev.grpo.rollout;

import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import java.util.Map;
import java.util.Set;

/**
 * The shared test broker with the service's topics created first: prompts get 4 partitions so two
 * workers can split them.
 */
public class RolloutKafkaResource extends KafkaTestResource {
  static final int PROMPT_PARTITIONS = 4;

  @Override
  public Map<String, String> start() {
    TestFixtures.createTopics(
        Map.of(
            Topics.PROMPTS, PROMPT_PARTITIONS, Topics.ROLLOUTS, 1, Topics.DLQ, 1, Topics.POLICY, 1),
        Set.of(Topics.POLICY));
    return super.start();
  }
}
