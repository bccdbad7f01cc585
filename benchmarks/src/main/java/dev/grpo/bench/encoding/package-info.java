/** How token ids and log-probs should travel in events: wire sizes and encode/decode cost. */
package dev.grpo.bench.encoding;
