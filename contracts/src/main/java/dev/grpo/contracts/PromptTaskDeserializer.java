package dev.grpo.contracts;

/** Kafka value deserialiser for {@link PromptTask}; configure it by class name. */
public final class PromptTaskDeserializer extends JsonEventDeserializer<PromptTask> {
  /** For Kafka and SmallRye, which instantiate deserialisers by class name. */
  public PromptTaskDeserializer() {
    super(PromptTask.class);
  }
}
