package dev.grpo.rollout.messaging;

import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.TransactionalIds;
import dev.grpo.policy.model.Devices;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.rollout.policy.FileCheckpointStore;
import dev.grpo.rollout.policy.PolicyLoader;
import dev.grpo.rollout.policy.PolicyRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * One complete rollout worker without Quarkus: the Kafka producer and consumers, the policy
 * registry, the policy listener and the worker. The service runs one; tests start more in the same
 * JVM to exercise the consumer group.
 */
public final class RolloutNode implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final PolicyRegistry policies;
  private final PolicyVersionListener listener;
  private final RolloutWorker worker;

  /**
   * @param checkpointRoot root that relative {@code file:} URIs resolve against
   * @param device cpu, gpu or gpu:N
   * @param sinkDecorator wraps the Kafka sink (identity in production; tests inject failures)
   */
  public RolloutNode(
      RolloutWorker.Settings settings,
      Path checkpointRoot,
      String device,
      MeterRegistry meters,
      UnaryOperator<RolloutSink> sinkDecorator) {
    this(
        settings,
        checkpointRoot,
        device,
        meters,
        sinkDecorator,
        TracerProvider.noop().get(GroupTracing.SCOPE));
  }

  /**
   * @param tracer opens the worker's span of each group's trace
   */
  public RolloutNode(
      RolloutWorker.Settings settings,
      Path checkpointRoot,
      String device,
      MeterRegistry meters,
      UnaryOperator<RolloutSink> sinkDecorator,
      Tracer tracer) {
    DjlOffline.enable(); // before the engine first loads
    producer =
        new KafkaProducer<>(
            KafkaClients.producer(
                settings.bootstrapServers(),
                "rollout-" + settings.workerId(),
                TransactionalIds.of(TransactionalIds.ROLLOUT, settings.workerId())));
    policies =
        new PolicyRegistry(
            new PolicyLoader(
                List.of(new FileCheckpointStore(checkpointRoot)), Devices.parse(device)),
            meters,
            settings.workerId());
    listener =
        new PolicyVersionListener(
            KafkaClients.policyConsumer(
                settings.bootstrapServers(), "rollout-policy-" + settings.workerId()),
            policies,
            settings.workerId());
    worker =
        new RolloutWorker(
            settings,
            policies,
            producer,
            sinkDecorator.apply(new KafkaRolloutSink(producer, settings.workerId())),
            new DeadLetterPublisher(producer, new DeadLetters(), settings.workerId()),
            meters,
            tracer);
  }

  /** Starts the policy listener and the worker. */
  public RolloutNode start() {
    listener.start();
    worker.start();
    return this;
  }

  public RolloutWorker worker() {
    return worker;
  }

  public PolicyRegistry policies() {
    return policies;
  }

  @Override
  public void close() {
    worker.close();
    listener.close();
    producer.close();
    policies.close();
  }
}
