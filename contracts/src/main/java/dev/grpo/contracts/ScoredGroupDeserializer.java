package dev.grpo.contracts;

/** Kafka value deserialiser for {@link ScoredGroup}; configure it by class name. */
public final class ScoredGroupDeserializer extends JsonEventDeserializer<ScoredGroup> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public ScoredGroupDeserializer() {
    super(ScoredGroup.class);
  }
}
