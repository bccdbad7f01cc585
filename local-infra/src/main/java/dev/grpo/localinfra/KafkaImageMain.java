package dev.grpo.localinfra;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * The broker of the locally built Kafka image ({@code infra/containers/kafka}): one KRaft node
 * (broker and controller) configured from the environment the way the upstream {@code apache/kafka}
 * image is, so that the compose file and Testcontainers' {@code KafkaContainer} drive either image
 * with the same variables.
 *
 * <p>Every {@code KAFKA_*} variable except the JVM/logging ones ({@link #NOT_BROKER_PROPERTIES})
 * becomes a broker property: the prefix dropped, lower case, {@code ___} to {@code -}, {@code __}
 * to {@code _}, {@code _} to {@code .} ({@code KAFKA_LOG_DIRS} is {@code log.dirs}). They override
 * {@link #defaults()}: the single-node settings of {@link EmbeddedKafka} with the upstream image's
 * listeners. {@code CLUSTER_ID} names the cluster when the log directories are formatted (first
 * start); a restart keeps the stored id and data.
 *
 * <p>Prints {@code READY bootstrap=...} once the broker runs; on a bad setting or a failed start
 * prints one line and exits with status 2; stops in order on SIGTERM.
 */
public final class KafkaImageMain {

  /** The upstream image's default cluster id, used when {@code CLUSTER_ID} is not set. */
  static final String DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw";

  /** {@code KAFKA_*} variables that configure the JVM or logging, never broker properties. */
  static final Set<String> NOT_BROKER_PROPERTIES =
      Set.of(
          "KAFKA_HEAP_OPTS",
          "KAFKA_OPTS",
          "KAFKA_JVM_PERFORMANCE_OPTS",
          "KAFKA_GC_LOG_OPTS",
          "KAFKA_LOG4J_OPTS",
          "KAFKA_JMX_OPTS",
          "KAFKA_JMX_PORT",
          "KAFKA_JMX_HOSTNAME",
          "KAFKA_LOG4J_ROOT_LOGLEVEL",
          "KAFKA_LOG4J_LOGGERS",
          "KAFKA_TOOLS_LOG4J_LOGLEVEL",
          "KAFKA_TOOLS_OPTS",
          "KAFKA_HOME",
          "KAFKA_VERSION");

  private KafkaImageMain() {}

  public static void main(String[] args) {
    Properties props;
    KafkaConfig config;
    try {
      props = brokerProperties(System.getenv());
      config = KafkaConfig.fromProps(props, false);
    } catch (RuntimeException e) {
      System.err.println("kafka: refusing to start: " + e.getMessage());
      System.exit(StandaloneProcess.EXIT_REFUSED);
      return;
    }
    String clusterId = System.getenv().getOrDefault("CLUSTER_ID", DEFAULT_CLUSTER_ID);
    StandaloneProcess.run(
        "kafka",
        new StandaloneProcess.ServiceStarter() {
          @Override
          public AutoCloseable start() {
            EmbeddedKafka.formatStorage(config, clusterId);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return () -> {
              server.shutdown();
              server.awaitShutdown();
            };
          }

          @Override
          public String describe(AutoCloseable service) {
            return "bootstrap="
                + props.getProperty("advertised.listeners")
                + " dir="
                + props.getProperty("log.dirs");
          }
        });
  }

  /** The broker's properties: {@link #defaults()} overridden by the environment's settings. */
  static Properties brokerProperties(Map<String, String> env) {
    Properties p = defaults();
    p.putAll(fromEnvironment(env));
    return p;
  }

  /** The upstream image's layout on a single node: client port 9092, controller port 9093. */
  static Properties defaults() {
    Properties p = EmbeddedKafka.singleNodeDefaults();
    p.put("node.id", "1");
    p.put("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093");
    p.put("advertised.listeners", "PLAINTEXT://localhost:9092");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("controller.quorum.voters", "1@localhost:9093");
    p.put("log.dirs", "/tmp/kraft-combined-logs");
    return p;
  }

  /** The broker properties named by {@code KAFKA_*} variables, sorted by name. */
  static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> props = new TreeMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith("KAFKA_") && !NOT_BROKER_PROPERTIES.contains(name)) {
            props.put(propertyName(name), value);
          }
        });
    return props;
  }

  /** {@code KAFKA_LOG_DIRS} to {@code log.dirs}, with the upstream image's escapes for - and _. */
  static String propertyName(String variable) {
    String rest = variable.substring("KAFKA_".length());
    if (rest.isEmpty()) {
      throw new IllegalArgumentException(
          "environment variable " + variable + " names no broker property");
    }
    return rest.toLowerCase(Locale.ROOT)
        .replace("___", "-")
        .replace("__", "\u0000")
        .replace('_', '.')
        .replace('\u0000', '_');
  }
}
