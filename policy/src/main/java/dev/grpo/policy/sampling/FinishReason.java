package dev.grpo.policy.sampling;

/** Why a completion ended. */
public enum FinishReason {
  /** An EOS / stop token was sampled or a stop string appeared. */
  STOP,
  /** maxNewTokens was reached. */
  LENGTH
}
