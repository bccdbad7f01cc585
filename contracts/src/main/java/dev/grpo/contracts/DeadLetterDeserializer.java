package dev.grpo.contracts;

/** Kafka value deserialiser for {@link DeadLetter}; configure it by class name. */
public final class DeadLetterDeserializer extends JsonEventDeserializer<DeadLetter> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public DeadLetterDeserializer() {
    super(DeadLetter.class);
  }
}
