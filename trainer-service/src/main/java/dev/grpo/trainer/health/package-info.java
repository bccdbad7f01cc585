/** Health checks of the trainer service: the broker answers and the training thread is alive. */
package dev.grpo.trainer.health;
