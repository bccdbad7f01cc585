/**
 * The training loop: {@link dev.grpo.trainer.service.TrainerLoop} (one thread that owns the {@code
 * grpo.scored} consumer and every active run), {@link dev.grpo.trainer.service.RunController} (one
 * run: pacing, steps, checkpoints, evaluation) and their plain helpers.
 */
package dev.grpo.trainer.service;
