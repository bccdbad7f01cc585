package dev.grpo.reward.service;

import dev.grpo.reward.config.RewardConfig;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Builds the one {@link CheckerRegistry} and the one {@link GroupScorer} that both Kafka and REST
 * use, and owns their thread pools.
 */
@Singleton
public class ScoringBeans {
  /** Name of the executor that runs one group's {@code GroupScorer.score} call per thread. */
  public static final String GROUP_DISPATCHER = "grpo-reward-group-dispatcher";

  private static final Logger LOG = Logger.getLogger(ScoringBeans.class);

  private final ExecutorService scoringPool;
  private final ExecutorService groupDispatcher;
  private final CheckerRegistry registry;
  private final GroupScorer scorer;

  /**
   * @param config service settings
   * @param cdiCheckers every CDI bean implementing {@link Checker} (plug-ins written as beans)
   * @param metrics where the metered checkers report
   */
  public ScoringBeans(
      RewardConfig config, @Any Instance<Checker> cdiCheckers, RewardMetrics metrics) {
    // create() refuses two checkers with one name before they are wrapped: the wrappers all share
    // one class, which CheckerRegistry.of() would take for the same checker found twice.
    var discovered =
        CheckerRegistry.create(
            Thread.currentThread().getContextClassLoader(), cdiCheckers.stream().toList());
    this.registry =
        CheckerRegistry.of(
            discovered.all().stream().map(c -> (Checker) new MeteredChecker(c, metrics)).toList());
    int threads = config.effectiveScoringThreads();
    this.scoringPool = Executors.newFixedThreadPool(threads, named("grpo-reward-scoring"));
    this.groupDispatcher =
        Executors.newFixedThreadPool(
            Math.max(1, config.groupConcurrency()), named(GROUP_DISPATCHER));
    this.scorer =
        new GroupScorer(
            registry,
            scoringPool,
            new ScoringLimits(config.perCompletionMillis(), config.perGroupMillis()));
    LOG.infof(
        "reward checkers: %s; %d scoring threads, %d groups at a time",
        registry.names(), threads, config.groupConcurrency());
  }

  /** The checkers, ServiceLoader and CDI, each wrapped with metrics. */
  @Produces
  @Singleton
  public CheckerRegistry registry() {
    return registry;
  }

  /** The shared scorer: the one code path behind Kafka and {@code POST /score}. */
  @Produces
  @Singleton
  public GroupScorer groupScorer() {
    return scorer;
  }

  /** Threads that each run one group's blocking {@code score} call for the Kafka path. */
  @Produces
  @Singleton
  // An identifier, not @Named: a @Named bean is also @Default and would clash with Quarkus'
  // executor.
  @Identifier(GROUP_DISPATCHER)
  public ExecutorService groupDispatcher() {
    return groupDispatcher;
  }

  void onStop(@Observes ShutdownEvent event) throws InterruptedException {
    groupDispatcher.shutdownNow();
    scoringPool.shutdownNow();
    scoringPool.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ThreadFactory named(String prefix) {
    var counter = new AtomicInteger();
    return runnable -> {
      var thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
