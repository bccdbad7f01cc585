/** Settings of the trainer service itself ({@code grpo.trainer.*}); a run's own come with it. */
package dev.grpo.trainer.config;
