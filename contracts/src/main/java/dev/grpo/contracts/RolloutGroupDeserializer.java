package dev.grpo.contracts;

/** Kafka value deserialiser for {@link RolloutGroup}; configure it by class name. */
public final class RolloutGroupDeserializer extends JsonEventDeserializer<RolloutGroup> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public RolloutGroupDeserializer() {
    super(RolloutGroup.class);
  }
}
