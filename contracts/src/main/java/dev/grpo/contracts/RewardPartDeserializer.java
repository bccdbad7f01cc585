package dev.grpo.contracts;

/**
 * Kafka value deserialiser for {@link RewardPart}; configure it by class name. {@link Incubating}.
 */
@Incubating
public final class RewardPartDeserializer extends JsonEventDeserializer<RewardPart> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public RewardPartDeserializer() {
    super(RewardPart.class);
  }
}
