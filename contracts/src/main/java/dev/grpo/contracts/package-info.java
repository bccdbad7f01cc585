/**
 * Event contract v1 of the GRPO platform: the event records that travel through Kafka, the topic
 * names ({@link dev.grpo.contracts.Topics}), the JSON encoding ({@link
 * dev.grpo.contracts.EventJson}) and Kafka (de)serialisers. Depends on Jackson only (kafka-clients
 * for the Kafka adapters, provided by whoever uses them). The JSON Schemas of the events ship in
 * this jar under {@code META-INF/grpo/contracts/v1/} and live in {@code docs/contracts/}.
 */
package dev.grpo.contracts;
