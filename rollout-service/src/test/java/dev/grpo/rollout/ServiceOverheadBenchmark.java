package dev.grpo.rollout;

import static dev.grpo.rollout.TestFixtures.*;

import ai.djl.Device;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.rollout.messaging.RolloutNode;
import dev.grpo.rollout.messaging.RolloutWorker;
import dev.grpo.rollout.policy.ServingPolicy;
import dev.grpo.rollout.service.GroupSampler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Generation tokens/s through the worker (Kafka in, Kafka out) against the policy {@link Sampler}
 * called directly (via {@link GroupSampler}) with the same model, the same slots (tasks in flight x
 * G rows, fed from the queue as rows finish) and the same sampling settings. Not part of the
 * default suite (surefire runs *Test only): {@code mvn -pl rollout-service test
 * -Dtest=ServiceOverheadBenchmark}.
 */
class ServiceOverheadBenchmark {
  static final ModelConfig MODEL =
      ModelConfig.llama(CharTokenizer.printableAscii().vocabSize(), 128, 384, 4, 4, 2, 256);
  static final int TASKS = 16;
  static final int G = 8;
  static final int TASKS_PER_BATCH = 4;
  static final int MAX_NEW_TOKENS = 64;
  static final int ROUNDS = 6;

  @Test
  void serviceVersusSampler() throws Exception {
    Path ckpt = checkpoint("bench", MODEL, 42);
    String topic = "rollout-bench.prompts";
    createTopics(
        Map.of(
            topic,
            1,
            dev.grpo.contracts.Topics.ROLLOUTS,
            1,
            dev.grpo.contracts.Topics.DLQ,
            1,
            dev.grpo.contracts.Topics.POLICY,
            1),
        Set.of(dev.grpo.contracts.Topics.POLICY));
    var settings =
        new RolloutWorker.Settings(
            SharedTestInfrastructure.kafka().bootstrapServers(),
            topic,
            "rollout-bench",
            "bench-worker",
            TASKS,
            TASKS_PER_BATCH,
            TASKS_PER_BATCH * G,
            20,
            100);
    var meters = new SimpleMeterRegistry();
    try (var producer = producer();
        var node =
            new RolloutNode(settings, CHECKPOINTS, "cpu", meters, UnaryOperator.identity())
                .start();
        LoadedCheckpoint direct = HfCheckpoint.load(ckpt, Device.cpu())) {
      List<String> lines = new ArrayList<>();
      List<Double> svcRates = new ArrayList<>();
      List<Double> dirRates = new ArrayList<>();
      for (int r = 0; r <= ROUNDS; r++) {
        final int round = r;
        // Alternate which path goes first, so drifting machine load does not favour one of them.
        double[] svc;
        double[] dir;
        if (round % 2 == 0) {
          svc = throughService(producer, topic, ckpt, round);
          dir = onSamplerThread(() -> throughSampler(direct, ckpt, round));
        } else {
          dir = onSamplerThread(() -> throughSampler(direct, ckpt, round));
          svc = throughService(producer, topic, ckpt, round);
        }
        if (round > 0) {
          svcRates.add(svc[0] / svc[1]);
          dirRates.add(dir[0] / dir[1]);
        }
        if (round > 0) { // round 0 warms up both paths
          lines.add(
              String.format(
                  Locale.ROOT,
                  "round %d: service %.0f tokens in %.3f s = %.1f tok/s | sampler %.0f tokens in"
                      + " %.3f s = %.1f tok/s | overhead %.1f%%",
                  round,
                  svc[0],
                  svc[1],
                  svc[0] / svc[1],
                  dir[0],
                  dir[1],
                  dir[0] / dir[1],
                  100 * (1 - (svc[0] / svc[1]) / (dir[0] / dir[1]))));
          var calls = meters.find("grpo.rollout.batch.rows").summary();
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  service so far: %d sampler calls, %.1f rows per call",
                  calls == null ? 0 : calls.count(),
                  calls == null ? 0 : calls.mean()));
          if (svc[0] != dir[0]) {
            throw new IllegalStateException("the paths generated different token counts");
          }
        }
      }
      double svcMedian = median(svcRates);
      double dirMedian = median(dirRates);
      lines.add(
          String.format(
              Locale.ROOT,
              "median: service %.1f tok/s, sampler %.1f tok/s, overhead %.1f%%",
              svcMedian,
              dirMedian,
              100 * (1 - svcMedian / dirMedian)));
      lines.forEach(System.out::println);
    }
  }

  /**
   * The worker samples on its own long-lived thread; the direct path does too, so that both pay the
   * same per-thread native costs (libtorch/OpenMP thread state) and only the plumbing differs.
   */
  private final java.util.concurrent.ExecutorService samplerThread =
      java.util.concurrent.Executors.newSingleThreadExecutor();

  private double[] onSamplerThread(java.util.concurrent.Callable<double[]> work) throws Exception {
    return samplerThread.submit(work).get();
  }

  @org.junit.jupiter.api.AfterEach
  void stopSamplerThread() {
    samplerThread.shutdownNow();
  }

  private static double median(List<Double> xs) {
    List<Double> s = xs.stream().sorted().toList();
    return s.size() % 2 == 1
        ? s.get(s.size() / 2)
        : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
  }

  private static List<PromptTask> tasks(Path ckpt, int round) {
    List<PromptTask> out = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      out.add(
          task(
              "run-bench",
              "Q" + round + "-" + i + ": what is 7*8?",
              G,
              new SamplingParams(1.0, 1.0, 0, MAX_NEW_TOKENS, List.of(), 1000L * round + i),
              ref(0, ckpt)));
    }
    return out;
  }

  /**
   * Wall time from the first task sent to the last group read back (reader positioned at the end
   * first).
   */
  private static double[] throughService(
      org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer,
      String topic,
      Path ckpt,
      int round)
      throws Exception {
    List<PromptTask> tasks = tasks(ckpt, round);
    var wanted = new java.util.HashSet<>(tasks.stream().map(PromptTask::groupId).toList());
    var p = new java.util.Properties();
    p.put("bootstrap.servers", SharedTestInfrastructure.kafka().bootstrapServers());
    p.put(
        "key.deserializer",
        org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put(
        "value.deserializer",
        org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
    p.put("fetch.max.wait.ms", 10);
    try (var reader = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(p)) {
      var tp = new org.apache.kafka.common.TopicPartition(dev.grpo.contracts.Topics.ROLLOUTS, 0);
      reader.assign(List.of(tp));
      reader.seekToEnd(List.of(tp));
      reader.position(tp);
      long t0 = System.nanoTime();
      for (PromptTask t : tasks) {
        producer.send(
            new org.apache.kafka.clients.producer.ProducerRecord<>(
                topic, t.groupId().getBytes(), EventJson.toBytes(t)));
      }
      producer.flush();
      long tokens = 0;
      long deadline = t0 + Duration.ofMinutes(5).toNanos();
      while (!wanted.isEmpty() && System.nanoTime() < deadline) {
        for (var r : reader.poll(Duration.ofMillis(50))) {
          RolloutGroup g = EventJson.fromBytes(r.value(), RolloutGroup.class);
          if (wanted.remove(g.groupId())) {
            tokens += g.completions().stream().mapToLong(c -> c.length()).sum();
          }
        }
      }
      if (!wanted.isEmpty()) {
        throw new IllegalStateException(wanted.size() + " groups did not arrive");
      }
      return new double[] {tokens, (System.nanoTime() - t0) / 1e9};
    }
  }

  /**
   * What the worker does with the same tasks, without Kafka: one live {@link
   * GroupSampler#sampleLive} call through the worker's own {@link GroupSampler} (same prompt
   * layout, per-completion seeds, TASKS_PER_BATCH tasks in flight, TASKS_PER_BATCH x G slots),
   * every task already waiting. Per-completion seeds make both paths generate the same tokens
   * whatever the batching, so only Kafka and the worker's plumbing differ.
   */
  private static double[] throughSampler(LoadedCheckpoint ck, Path ckptDir, int round) {
    var policy = new ServingPolicy("run-bench", 0, ckptDir.toUri().toString(), "", ck);
    var sampler = new GroupSampler("direct", TASKS_PER_BATCH * G);
    List<PromptTask> tasks = tasks(ckptDir, round);
    var waiting = new java.util.ArrayDeque<>(tasks.subList(1, tasks.size()));
    long t0 = System.nanoTime();
    long tokens =
        sampler
            .sampleLive(
                policy, tasks.subList(0, 1), t -> t, waiting::poll, TASKS_PER_BATCH, (t, g) -> {})
            .generatedTokens();
    return new double[] {tokens, (System.nanoTime() - t0) / 1e9};
  }
}
