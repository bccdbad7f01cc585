/**
 * The console's logic, framework-free: produce rates from end-offset samples ({@link
 * dev.grpo.trainer.console.TopicRates}), consumer-group lag ({@link
 * dev.grpo.trainer.console.GroupLag}), and the lineage of one group assembled from its database row
 * and the records read back from the topics ({@link dev.grpo.trainer.console.LineageAssembler}).
 * The Kafka side lives in {@code messaging} ({@code FlowProbe}, {@code RecordIndexer}, {@code
 * RecordReader}), the HTTP side in {@code rest.ConsoleResource}.
 */
package dev.grpo.trainer.console;
