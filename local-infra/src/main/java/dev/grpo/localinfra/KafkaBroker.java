package dev.grpo.localinfra;

/** A running Kafka broker that tests or local runs talk to, however it was started. */
public interface KafkaBroker extends AutoCloseable {

  /** The {@code bootstrap.servers} value for clients. */
  String bootstrapServers();

  /** Stops the broker. */
  @Override
  void close();
}
