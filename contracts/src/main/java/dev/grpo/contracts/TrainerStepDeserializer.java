package dev.grpo.contracts;

/** Kafka value deserialiser for {@link TrainerStep}; configure it by class name. */
public final class TrainerStepDeserializer extends JsonEventDeserializer<TrainerStep> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public TrainerStepDeserializer() {
    super(TrainerStep.class);
  }
}
