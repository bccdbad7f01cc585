package dev.grpo.localinfra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka KRaft broker (combined broker and controller) running in the current JVM.
 *
 * <p>Built from the production classes of {@code kafka_2.13} ({@link KafkaRaftServer} plus the
 * storage {@link Formatter}), so no test jar is needed. It is configured for one node: internal
 * topics (consumer offsets, transaction state, share-group state) have replication factor 1 and min
 * ISR 1, so transactions and {@code read_committed} consumers work; topics are created on first
 * use; consumer groups rebalance without the initial delay.
 *
 * <p>The broker listens on {@code 127.0.0.1} only. A data directory that already holds a formatted
 * log is reused (the standalone broker keeps its topics across restarts); an empty one is
 * formatted.
 *
 * <pre>{@code
 * try (var kafka = EmbeddedKafka.start(dir, 0)) {
 *     kafka.createTopics(Map.of("grpo.prompts", 3));
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements KafkaBroker {

  /** Host every listener binds to and advertises; loopback only, never a routable address. */
  public static final String HOST = "127.0.0.1";

  private static final int NODE_ID = 1;
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String BROKER_LISTENER = "PLAINTEXT";

  /** Chosen free ports can be taken by someone else between choosing and binding; retry then. */
  private static final int MAX_BIND_ATTEMPTS = 5;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaRaftServer server;
  private final Path dataDir;
  private final int port;
  private boolean closed;

  private EmbeddedKafka(KafkaRaftServer server, Path dataDir, int port) {
    this.server = server;
    this.dataDir = dataDir;
    this.port = port;
  }

  /**
   * Starts a broker with its logs under {@code dataDir} (created if missing) and returns once it
   * answers admin requests.
   *
   * @param dataDir directory for the broker's logs and metadata; must be writable
   * @param port client port on 127.0.0.1, or 0 for a free one
   * @throws IllegalStateException when the port is taken or the broker does not become ready
   */
  public static EmbeddedKafka start(Path dataDir, int port) {
    return start(dataDir, port, Map.of());
  }

  /**
   * As {@link #start(Path, int)}, with extra broker properties that override the defaults (for
   * example {@code message.max.bytes}).
   */
  public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(
          "port must be between 0 and 65535 (0 = free port), was " + port);
    }
    Path logDir = prepareDataDir(dataDir);
    if (port != 0 && !FreePorts.isFree(HOST, port)) {
      throw new IllegalStateException("Kafka port " + port + " on " + HOST + " is already in use");
    }
    KafkaException lastBindFailure = null;
    for (int attempt = 1; attempt <= MAX_BIND_ATTEMPTS; attempt++) {
      int clientPort = port != 0 ? port : FreePorts.pick(HOST);
      int controllerPort = FreePorts.pick(HOST);
      Properties props = brokerProperties(logDir, clientPort, controllerPort, overrides);
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      format(config, logDir);
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
      } catch (KafkaException e) {
        shutdownQuietly(server);
        if (!isBindFailure(e)) {
          throw new IllegalStateException(
              "Kafka broker in " + dataDir + " failed to start: " + e.getMessage(), e);
        }
        if (port != 0) {
          throw new IllegalStateException(
              "Kafka port " + port + " on " + HOST + " is already in use", e);
        }
        lastBindFailure = e;
        continue;
      }
      EmbeddedKafka kafka = new EmbeddedKafka(server, dataDir, clientPort);
      try {
        kafka.awaitReady();
      } catch (RuntimeException e) {
        kafka.close();
        throw e;
      }
      return kafka;
    }
    throw new IllegalStateException(
        "Kafka broker could not bind free ports after " + MAX_BIND_ATTEMPTS + " attempts",
        lastBindFailure);
  }

  /** The {@code bootstrap.servers} value clients use, e.g. {@code 127.0.0.1:9092}. */
  @Override
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /** The client port the broker listens on. */
  public int port() {
    return port;
  }

  /** The directory the broker keeps its data in. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Creates the topics that do not exist yet, with the given partition counts and replication
   * factor 1, and waits until the broker has them. Topics that already exist are left as they are.
   *
   * @param partitionsByTopic topic name to number of partitions (at least 1)
   */
  public void createTopics(Map<String, Integer> partitionsByTopic) {
    List<NewTopic> topics = new ArrayList<>();
    partitionsByTopic.forEach(
        (name, partitions) -> {
          if (partitions == null || partitions < 1) {
            throw new IllegalArgumentException(
                "partitions for topic '" + name + "' must be at least 1, was " + partitions);
          }
          topics.add(new NewTopic(name, partitions, (short) 1));
        });
    try (Admin admin = admin()) {
      var results = admin.createTopics(topics).values();
      for (var entry : results.entrySet()) {
        try {
          entry.getValue().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "creating topic '" + entry.getKey() + "' failed: " + e.getCause().getMessage(),
                e.getCause());
          }
        }
      }
      // Creation is acknowledged by the controller before the broker serves the partitions.
      awaitTopics(admin, partitionsByTopic.keySet());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while creating topics " + partitionsByTopic.keySet(), e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "creating topics " + partitionsByTopic.keySet() + " timed out", e);
    }
  }

  /** A new admin client for this broker; the caller closes it. */
  public Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return Admin.create(props);
  }

  /** Stops the broker and waits for it; the data directory is kept. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = admin()) {
      while (true) {
        try {
          var nodes = admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
          if (!nodes.isEmpty()) {
            return;
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "Kafka broker at "
                    + bootstrapServers()
                    + " not ready after "
                    + READY_TIMEOUT.toSeconds()
                    + " s",
                e);
          }
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for Kafka at " + bootstrapServers(), e);
    }
  }

  private static void awaitTopics(Admin admin, Set<String> names)
      throws InterruptedException, java.util.concurrent.TimeoutException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try {
        var descriptions = admin.describeTopics(names).allTopicNames().get(2, TimeUnit.SECONDS);
        boolean allLed =
            descriptions.values().stream()
                .allMatch(
                    d ->
                        d.partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (allLed) {
          return;
        }
      } catch (ExecutionException e) {
        // UnknownTopicOrPartition until the broker has applied the metadata; retry.
      }
      if (System.nanoTime() > deadline) {
        throw new java.util.concurrent.TimeoutException(
            "topics " + names + " have no leader after " + READY_TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(50);
    }
  }

  private static Path prepareDataDir(Path dataDir) {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir must be given, was null");
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Kafka data directory " + dataDir + " cannot be created: " + e, e);
    }
    if (!Files.isWritable(dataDir)) {
      throw new IllegalStateException("Kafka data directory " + dataDir + " is not writable");
    }
    return dataDir.toAbsolutePath().resolve("kraft-logs");
  }

  static Properties brokerProperties(
      Path logDir, int clientPort, int controllerPort, Map<String, String> overrides) {
    Properties p = singleNodeDefaults();
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + clientPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + clientPort);
    p.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", BROKER_LISTENER);
    p.put("log.dirs", logDir.toString());
    p.put("auto.create.topics.enable", "true");
    p.putAll(overrides);
    return p;
  }

  /**
   * What a one-node cluster needs whatever its listeners: a combined broker and controller, and
   * every internal topic fitting on one node. Shared with {@link KafkaImageMain}.
   */
  static Properties singleNodeDefaults() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    // One node: every internal topic must fit on it, or transactions and groups never start.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("num.partitions", "1");
    // Tests would otherwise wait 3 s for every first consumer of a group.
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    return p;
  }

  private static void format(KafkaConfig config, Path logDir) {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      // Formatted by an earlier run: keep its cluster id and data (the standalone broker restarts).
      return;
    }
    formatStorage(config, Uuid.randomUuid().toString());
  }

  /**
   * Formats the log and metadata directories of {@code config} for cluster {@code clusterId};
   * directories formatted before are left as they are (a restarted broker keeps its data).
   */
  static void formatStorage(KafkaConfig config, String clusterId) {
    try {
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(config.nodeId())
          .setClusterId(clusterId)
          .setDirectories(config.logDirs())
          .setMetadataLogDirectory(config.metadataLogDir())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setControllerListenerName(config.controllerListenerNames().get(0))
          .setIgnoreFormatted(true)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException(
          "formatting Kafka log directories " + config.logDirs() + " failed: " + e.getMessage(), e);
    }
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("failed to bind"))) {
        return true;
      }
    }
    return false;
  }

  private static void shutdownQuietly(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException ignored) {
      // Already failing to start; the start error is the one worth reporting.
    }
  }
}
