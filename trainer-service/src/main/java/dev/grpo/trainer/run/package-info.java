/**
 * A run's configuration, from the REST body to the policy module: {@link
 * dev.grpo.trainer.run.RunRequest} (what {@code POST /runs} accepts, every field optional), {@link
 * dev.grpo.trainer.run.RunRules} (every default and range, also the OpenAPI text), {@link
 * dev.grpo.trainer.run.RunValidator} (request to spec, 400 naming field, value and rule), {@link
 * dev.grpo.trainer.run.RunSpec} (complete, immutable, stored as JSON), {@link
 * dev.grpo.trainer.run.PolicyConfigs} (the trainer's and the sampler's configs, derived once), and
 * {@link dev.grpo.trainer.run.RunResources} (tokenizer, initial policy, data set).
 */
package dev.grpo.trainer.run;
