package dev.grpo.contracts;

/** Kafka value deserialiser for {@link PolicyVersion}; configure it by class name. */
public final class PolicyVersionDeserializer extends JsonEventDeserializer<PolicyVersion> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public PolicyVersionDeserializer() {
    super(PolicyVersion.class);
  }
}
