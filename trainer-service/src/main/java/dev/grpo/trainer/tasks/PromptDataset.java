package dev.grpo.trainer.tasks;

import java.util.List;

/**
 * The prompts of one run: an endless, deterministic stream of training prompts addressed by index
 * (so a resumed run continues with the next index and never needs to store the stream), and a fixed
 * held-out evaluation set. No training prompt has the {@link TaskExample#promptId()} of an
 * evaluation prompt.
 */
public interface PromptDataset {

  /** The training prompt at {@code index >= 0}; the same index always gives the same prompt. */
  TaskExample train(long index);

  /** The held-out evaluation prompts (possibly empty). */
  List<TaskExample> eval();

  /**
   * A 64-bit mix of a seed and a stream position (SplitMix64 finaliser), for independent
   * sub-streams.
   */
  static long mix(long seed, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
