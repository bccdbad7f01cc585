package dev.grpo.trainer.service;

import dev.grpo.contracts.Completion;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.RolloutTimings;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Stands in for the rollout and reward services, which do not run in this JVM: consumes {@code
 * grpo.prompts}, samples G completions with the real {@link Sampler} and the checkpoint the task's
 * PolicyRef names (BOS + prompt tokens, as the rollout contract says), scores them with the real
 * {@link GroupScorer}, and produces {@link ScoredGroup}s to {@code grpo.scored}. Nothing is mocked.
 * A test may make it give up on chosen tasks instead, as a rollout worker does: it then writes a
 * {@link DeadLetter} keyed by the group id to {@code grpo.dlq} and no ScoredGroup.
 */
final class ScoringFeeder implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;
  private final AtomicInteger produced = new AtomicInteger();
  private final String bootstrap;
  private volatile Throwable failure;
  private volatile Predicate<PromptTask> deadLetterIf = t -> false;

  ScoringFeeder(String bootstrap) {
    this.bootstrap = bootstrap;
    thread = new Thread(this::run, "test-scoring-feeder");
    thread.setDaemon(true);
    thread.start();
  }

  int produced() {
    return produced.get();
  }

  /** Tasks matching {@code p} are dead-lettered (stage {@link #STAGE}) instead of scored. */
  void deadLetterWhen(Predicate<PromptTask> p) {
    deadLetterIf = p;
  }

  /** The stage the feeder names in its dead letters, as the rollout service does. */
  static final String STAGE = DeadLetters.ROLLOUT_GENERATE;

  Throwable failure() {
    return failure;
  }

  private void run() {
    var cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "test-feeder");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    var pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    Map<String, LoadedCheckpoint> policies = new HashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    var scorer = new GroupScorer(CheckerRegistry.fromServiceLoader(), pool, ScoringLimits.DEFAULTS);
    var sampler = new Sampler();
    try (var consumer = new KafkaConsumer<String, byte[]>(cp);
        var producer = new KafkaProducer<String, byte[]>(pp)) {
      consumer.subscribe(List.of(Topics.PROMPTS));
      while (running) {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          PromptTask task = EventJson.fromBytes(r.value(), PromptTask.class);
          if (deadLetterIf.test(task)) {
            var letter =
                new DeadLetter(
                    Contracts.SCHEMA_VERSION,
                    STAGE,
                    "test: the worker gave up on this task",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.key(),
                    r.value(),
                    Instant.now());
            producer
                .send(new ProducerRecord<>(Topics.DLQ, r.key(), EventJson.toBytes(letter)))
                .get();
            continue;
          }
          String uri = task.policy().checkpointUri();
          LoadedCheckpoint policy =
              policies.computeIfAbsent(
                  uri, u -> HfCheckpoint.load(Path.of(URI.create(u)), ai.djl.Device.cpu()));
          int[] prompt = PromptEncoding.withBos(policy.tokenizer(), task.prompt());
          var prompts = new ArrayList<int[]>();
          for (int i = 0; i < task.groupSize(); i++) {
            prompts.add(prompt);
          }
          var s = task.sampling();
          long t0 = System.currentTimeMillis();
          List<Generation> gens =
              sampler.generate(
                  policy.model(),
                  policy.tokenizer(),
                  prompts,
                  new SamplingConfig(
                      s.temperature(),
                      s.topP(),
                      s.topK(),
                      s.maxNewTokens(),
                      s.stopStrings(),
                      List.of(),
                      s.seed()));
          var completions = new ArrayList<Completion>();
          for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            completions.add(
                new Completion(
                    i,
                    g.text(),
                    g.tokenIds(),
                    g.logProbs(),
                    g.finishReason() == dev.grpo.policy.sampling.FinishReason.STOP
                        ? FinishReason.STOP
                        : FinishReason.LENGTH));
          }
          var rollout =
              new RolloutGroup(
                  Contracts.SCHEMA_VERSION,
                  task.runId(),
                  task.groupId(),
                  task,
                  task.policy().version(),
                  "test-feeder",
                  completions,
                  new RolloutTimings(0, System.currentTimeMillis() - t0),
                  Instant.now());
          var scores =
              scorer.score(
                  task.prompt(),
                  completions.stream()
                      .map(c -> new GroupScorer.CompletionText(c.text(), c.length()))
                      .toList(),
                  task.rewardSpec(),
                  task.verification());
          var scored =
              new ScoredGroup(
                  Contracts.SCHEMA_VERSION, task.runId(), task.groupId(), rollout, scores, 0);
          producer
              .send(new ProducerRecord<>(Topics.SCORED, task.groupId(), EventJson.toBytes(scored)))
              .get();
          produced.incrementAndGet();
        }
        consumer.commitSync();
      }
    } catch (Throwable e) {
      failure = e;
    } finally {
      policies.values().forEach(LoadedCheckpoint::close);
      pool.shutdownNow();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(30_000);
  }
}
