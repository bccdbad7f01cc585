/**
 * The runs, framework-free: {@link dev.grpo.trainer.service.TrainingRuns} (the active runs and
 * where each record goes), {@link dev.grpo.trainer.service.RunController} (one run's state machine)
 * and its pieces, each with a plain test: {@code GroupIntake} (decisions on scored groups, the
 * buffer), {@code PromptIssuer} (issuing around the credit window), {@code StepRecord} (metrics,
 * step row, TrainerStep), {@code RunCheckpointer} (versions, run state, resume), {@code
 * HeldOutEval}, and the {@code TrainingBackend} seam where a step's arithmetic runs. The database
 * and the broker are reached through ports ({@link dev.grpo.trainer.persistence.RunRecords}, {@link
 * dev.grpo.trainer.service.RunEvents}); no Kafka or Quarkus class is used here.
 */
package dev.grpo.trainer.service;
