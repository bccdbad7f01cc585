package dev.grpo.policy.tokenizer;

/**
 * The token layout of a prompt, written once: {@code [BOS] + tokenizer.encode(prompt)}. The rollout
 * workers sample from these ids and the trainer rebuilds them to recompute log-probs (a {@code
 * RolloutGroup} carries completion tokens only), so both must get exactly the same ids; the policy
 * CLI and the benchmarks use the same layout.
 */
public final class PromptEncoding {
  private PromptEncoding() {}

  /** BOS, then the prompt's tokens. */
  public static int[] withBos(Tokenizer tokenizer, String prompt) {
    int[] body = tokenizer.encode(prompt);
    int[] ids = new int[body.length + 1];
    ids[0] = tokenizer.bosId();
    System.arraycopy(body, 0, ids, 1, body.length);
    return ids;
  }
}
