/**
 * Pure pacing and bookkeeping logic of the run controller, free of Kafka and the database so that
 * it is tested in plain unit tests: {@link dev.grpo.trainer.pacing.CreditWindow} (how many groups
 * may be in flight) and {@link dev.grpo.trainer.pacing.OffsetLedger} (which consumed offsets are
 * safe to commit).
 */
package dev.grpo.trainer.pacing;
