/**
 * Prompt sources of a run: built-in synthetic {@link dev.grpo.trainer.tasks.TaskGenerator}s and
 * JSONL files, both split deterministically into training prompts and a held-out evaluation set
 * that never overlap ({@link dev.grpo.trainer.tasks.PromptDataset}).
 */
package dev.grpo.trainer.tasks;
