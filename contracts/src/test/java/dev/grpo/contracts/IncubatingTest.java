package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Names the incubating API, so that marking or unmarking something is a visible decision: when the
 * custom reward services feature uses {@code RewardPart}, this test changes with it.
 */
class IncubatingTest {
  @Test
  void rewardPartItsDeserializerAndItsTopicAreIncubating() throws Exception {
    assertThat(RewardPart.class.isAnnotationPresent(Incubating.class)).isTrue();
    assertThat(RewardPartDeserializer.class.isAnnotationPresent(Incubating.class)).isTrue();
    assertThat(Topics.class.getField("REWARD_PARTS").isAnnotationPresent(Incubating.class))
        .isTrue();
  }

  @Test
  void theEventsThatFlowAreNot() throws Exception {
    for (var type :
        new Class<?>[] {
          PromptTask.class,
          RolloutGroup.class,
          ScoredGroup.class,
          PolicyVersion.class,
          TrainerStep.class,
          DeadLetter.class,
          DeadLetters.class,
          SourceRecord.class
        }) {
      assertThat(type.isAnnotationPresent(Incubating.class)).as(type.getSimpleName()).isFalse();
    }
    for (var topic : new String[] {"PROMPTS", "ROLLOUTS", "SCORED", "POLICY", "STEPS", "DLQ"}) {
      assertThat(Topics.class.getField(topic).isAnnotationPresent(Incubating.class))
          .as(topic)
          .isFalse();
    }
  }
}
