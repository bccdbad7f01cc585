/**
 * Event contract v1 of the GRPO platform: the event records that travel through Kafka, the topic
 * names ({@link dev.grpo.contracts.Topics}), the JSON encoding ({@link
 * dev.grpo.contracts.EventJson}) and Kafka (de)serialisers. Depends on Jackson only (kafka-clients
 * for the Kafka adapters, provided by whoever uses them). The JSON Schemas of the events ship in
 * this jar under {@code META-INF/grpo/contracts/v1/} and live in {@code docs/contracts/}.
 *
 * <p>Also the rules every stage shares around those events: {@link dev.grpo.contracts.SourceRecord}
 * (a consumed record as bytes) and {@link dev.grpo.contracts.DeadLetters} (stage names, reason
 * rule, size cap and headers of a {@link dev.grpo.contracts.DeadLetter}). API marked {@link
 * dev.grpo.contracts.Incubating} is not used by any stage yet and may still change.
 */
package dev.grpo.contracts;
