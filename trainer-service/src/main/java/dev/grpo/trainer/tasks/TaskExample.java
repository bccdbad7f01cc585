package dev.grpo.trainer.tasks;

import java.util.Map;

/**
 * One prompt of a data set with what the checkers need to verify an answer.
 *
 * @param promptId stable id of the prompt: equal prompts have equal ids, so the evaluation split
 *     can exclude them from training by id
 * @param prompt the prompt text, as given to the tokenizer
 * @param verification data for the checkers, e.g. {@code {"answer": "714"}}
 */
public record TaskExample(String promptId, String prompt, Map<String, Object> verification) {
  public TaskExample {
    if (promptId == null || promptId.isBlank()) {
      throw new IllegalArgumentException("promptId must be non-blank, was " + promptId);
    }
    if (prompt == null || prompt.isEmpty()) {
      throw new IllegalArgumentException(
          "prompt must be non-empty, was " + (prompt == null ? "null" : "empty"));
    }
    verification = verification == null ? Map.of() : Map.copyOf(verification);
  }
}
