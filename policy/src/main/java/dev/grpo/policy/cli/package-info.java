/**
 * The {@code policy} command-line tool, {@link dev.grpo.policy.cli.PolicyCli}: {@code init} writes
 * a randomly initialised checkpoint, {@code sample} turns prompts into JSONL completions with token
 * ids and log-probs, {@code logprobs} scores given completions, and {@code inspect} prints
 * parameter count, shapes and dtypes. Bad input gives a one-line {@code error: ...} and exit code
 * 2; see policy/README.md for the options.
 */
package dev.grpo.policy.cli;
