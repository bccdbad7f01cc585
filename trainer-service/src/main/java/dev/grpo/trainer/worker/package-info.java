/**
 * The trainer's side of the PyTorch worker group ({@code trainer-worker/}): {@link
 * dev.grpo.trainer.worker.WorkerProtocol} (protocol {@code grpo-worker/1}: HTTP with a binary
 * body), {@link dev.grpo.trainer.worker.WorkerClient} (load, step, save, health, shutdown, each
 * with its timeout) and {@link dev.grpo.trainer.worker.WorkerGroup} (the launcher: N local rank
 * processes through {@code env://}). Every failure is a {@link
 * dev.grpo.trainer.worker.WorkerException} that names its cause. No Quarkus here.
 */
package dev.grpo.trainer.worker;
