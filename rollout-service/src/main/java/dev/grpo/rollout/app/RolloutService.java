package dev.grpo.rollout.app;

import dev.grpo.contracts.Topics;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.TorchThreads;
import dev.grpo.rollout.config.RolloutConfig;
import dev.grpo.rollout.messaging.RolloutNode;
import dev.grpo.rollout.messaging.RolloutWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Starts this process's rollout worker at startup and stops it cleanly at shutdown. */
@ApplicationScoped
public class RolloutService {
  private static final Logger LOG = Logger.getLogger(RolloutService.class);

  static {
    DjlOffline.enable(); // before anything can touch the DJL engine
  }

  private final RolloutConfig config;
  private final MeterRegistry meters;
  private final String bootstrapServers;
  private final Path checkpointRoot;
  private final Tracer tracer;
  private volatile RolloutNode node;

  public RolloutService(
      RolloutConfig config,
      MeterRegistry meters,
      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
      @ConfigProperty(name = "grpo.checkpoints.root", defaultValue = "work/checkpoints")
          String checkpointRoot,
      Tracer tracer) {
    this.tracer = tracer;
    this.config = config;
    this.meters = meters;
    this.bootstrapServers = bootstrapServers;
    this.checkpointRoot = Path.of(checkpointRoot);
  }

  void onStart(@Observes StartupEvent ev) {
    if (!config.enabled()) {
      LOG.info("rollout worker disabled (grpo.rollout.enabled=false)");
      return;
    }
    TorchThreads.configure(config.torchThreads(), 1);
    var settings =
        new RolloutWorker.Settings(
            bootstrapServers,
            Topics.PROMPTS,
            config.consumerGroup(),
            workerId(),
            config.maxTasksHeld(),
            config.maxTasksPerBatch(),
            config.maxRowsPerBatch(),
            config.batchLingerMillis(),
            config.pollTimeoutMillis());
    node =
        new RolloutNode(
                settings, checkpointRoot, config.device(), meters, UnaryOperator.identity(), tracer)
            .start();
  }

  void onStop(@Observes ShutdownEvent ev) {
    RolloutNode n = node;
    if (n != null) {
      n.close();
    }
  }

  /** The running node, if the worker is enabled and started. */
  public Optional<RolloutNode> node() {
    return Optional.ofNullable(node);
  }

  private String workerId() {
    return config.workerId().orElseGet(() -> defaultWorkerId(hostName(), config.workerIndex()));
  }

  /**
   * The worker id when none is configured: the host name and the worker index, both stable across
   * restarts (a process id is not: a restart would come back as a new member and a new
   * transactional.id, waiting out the session and transaction timeouts of its predecessor).
   */
  public static String defaultWorkerId(String host, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("grpo.rollout.worker-index must be >= 0, was " + index);
    }
    return host + "-" + index;
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME"); // set in containers and most shells
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "rollout";
    }
  }
}
