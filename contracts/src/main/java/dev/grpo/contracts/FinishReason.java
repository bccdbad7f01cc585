package dev.grpo.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Why the generation of a completion ended. */
public enum FinishReason {
  /** An end-of-sequence token or a stop string ended it. */
  @JsonProperty("stop")
  STOP,
  /** It reached {@link SamplingParams#maxNewTokens()} (truncated). */
  @JsonProperty("length")
  LENGTH
}
