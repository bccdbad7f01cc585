package dev.grpo.reward.join;

import dev.grpo.contracts.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Makes sure the join's two input topics exist and are co-partitioned before the streams start: a
 * missing {@code grpo.reward-parts} is created with as many partitions as {@code grpo.rollouts}
 * (both with the broker's default count when neither exists), and start-up fails when the counts
 * differ, since a part would then meet its group in another task.
 */
@ApplicationScoped
public class JoinTopics {
  private static final Logger LOG = Logger.getLogger(JoinTopics.class);
  private static final long TIMEOUT_SECONDS = 30;

  private final String bootstrapServers;

  public JoinTopics(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  void onStart(@Observes @Priority(1) StartupEvent event) throws Exception {
    try (var admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      int rollouts = ensure(admin, Topics.ROLLOUTS, Optional.empty());
      int parts = ensure(admin, Topics.REWARD_PARTS, Optional.of(rollouts));
      if (rollouts != parts) {
        throw new IllegalStateException(
            Topics.REWARD_PARTS
                + " must have as many partitions as "
                + Topics.ROLLOUTS
                + " ("
                + rollouts
                + ") so that parts and groups are co-partitioned by groupId, has "
                + parts);
      }
      LOG.infof("join inputs co-partitioned: %d partitions", rollouts);
    }
  }

  private static int ensure(Admin admin, String topic, Optional<Integer> partitions)
      throws Exception {
    try {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, Optional.empty())))
          .all()
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      LOG.infof("created topic %s", topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    // A topic just created may not be in the broker's metadata yet.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        return admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .size();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
