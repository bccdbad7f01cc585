package dev.grpo.rollout;

import static dev.grpo.rollout.TestFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import dev.grpo.contracts.Completion;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.PoisonRecords;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.train.TokenLogProbs;
import dev.grpo.rollout.app.RolloutService;
import dev.grpo.rollout.messaging.RolloutNode;
import dev.grpo.rollout.messaging.RolloutSink;
import dev.grpo.rollout.messaging.RolloutWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The service against the real broker (local-infra), with tiny random-init checkpoints. */
@QuarkusTest
@QuarkusTestResource(value = RolloutKafkaResource.class, restrictToAnnotatedClass = false)
class RolloutServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * Sampler (KV cache, last-position logits) vs one full forward pass: float32 noise is ~1e-6 here.
   */
  private static final double LOGPROB_TOLERANCE = 1e-4;

  @Inject RolloutService service;
  @Inject MeterRegistry meters;

  static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void open() {
    producer = producer();
  }

  @AfterAll
  static void closeProducer() {
    producer.close();
  }

  @Test
  void taskInGivesWellFormedGroupWithPolicyLogProbs() throws Exception {
    Path ckpt = checkpoint("well-formed", TINY, 11);
    PromptTask t = task("run-wf", "2+2=", 4, sampling(12, 7), ref(0, ckpt));
    sendTask(producer, t);

    RolloutGroup g = groups(List.of(t.groupId()), WAIT).get(0);
    assertEquals(t, g.task());
    assertEquals(0, g.policyVersion());
    assertEquals("app-worker", g.workerId());
    assertEquals(4, g.completions().size());
    try (LoadedCheckpoint ref = HfCheckpoint.load(ckpt, Device.cpu())) {
      int[] prompt = PromptEncoding.withBos(ref.tokenizer(), t.prompt());
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      for (Completion c : g.completions()) {
        assertTrue(
            c.length() >= 1 && c.length() <= 12, "length within maxNewTokens: " + c.length());
        boolean endsInEos = c.tokenIds()[c.length() - 1] == ref.tokenizer().eosId();
        assertEquals(endsInEos ? FinishReason.STOP : FinishReason.LENGTH, c.finishReason());
        assertEquals(ref.tokenizer().decode(c.tokenIds()), c.text());
        prompts.add(prompt);
        completions.add(c.tokenIds());
      }
      // Independent path: one full forward pass, log_softmax(logits / T) at each sampled token.
      float[][] expected =
          TokenLogProbs.compute(ref.model(), prompts, completions, t.sampling().temperature(), 8);
      for (int i = 0; i < completions.size(); i++) {
        float[] got = g.completions().get(i).logProbs();
        for (int j = 0; j < got.length; j++) {
          assertEquals(
              expected[i][j], got[j], LOGPROB_TOLERANCE, "completion " + i + " token " + j);
        }
      }
    }
    // The service answers HTTP too.
    RestAssured.get("/q/health/ready").then().statusCode(200);
    String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    for (String name :
        List.of(
            "grpo_rollout_tokens_total",
            "grpo_rollout_groups_total",
            "grpo_rollout_batch_fill",
            "grpo_rollout_group_time_seconds",
            "grpo_rollout_policy_version{",
            "grpo_rollout_policy_version_lag{")) {
      assertTrue(metrics.contains(name), "metric " + name);
    }
  }

  @Test
  void newVersionIsPickedUpAndCorruptCheckpointsAreRefused() throws Exception {
    String run = "run-swap";
    Path v0 = checkpoint("v0", TINY, 1);
    PromptTask first = task(run, "hello", 2, sampling(6, 1), ref(0, v0));
    sendTask(producer, first);
    assertEquals(0, groups(List.of(first.groupId()), WAIT).get(0).policyVersion());

    Path v1 = checkpoint("v1", TINY, 2);
    sendPolicy(producer, run, 1, v1, HfCheckpoint.sha256(v1));
    var policies = service.node().orElseThrow().policies();
    await().atMost(WAIT).until(() -> policies.availableVersion(run) == 1);
    PromptTask second = task(run, "hello", 2, sampling(6, 2), ref(0, v0));
    sendTask(producer, second);
    RolloutGroup g1 = groups(List.of(second.groupId()), WAIT).get(0);
    assertEquals(1, g1.policyVersion());
    assertLogProbsUnder(v1, g1);

    // v2: a bit flipped after the digest was taken. v3: a truncated weights file announced with its
    // own (matching) digest, so verification passes and loading must fail.
    Path v2 = checkpoint("v2", TINY, 3);
    String v2Sha = HfCheckpoint.sha256(v2);
    flipByte(HfCheckpoint.weightsFile(v2), 1000);
    Path v3 = checkpoint("v3", TINY, 4);
    try (var f = new RandomAccessFile(HfCheckpoint.weightsFile(v3).toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    sendPolicy(producer, run, 2, v2, v2Sha);
    sendPolicy(producer, run, 3, v3, HfCheckpoint.sha256(v3));
    await().atMost(WAIT).until(() -> failures(run) == 2.0);
    assertEquals(3, policies.announcedVersion(run));
    PromptTask third = task(run, "hello", 2, sampling(6, 3), ref(0, v0));
    sendTask(producer, third);
    RolloutGroup g3 = groups(List.of(third.groupId()), WAIT).get(0);
    assertEquals(1, g3.policyVersion(), "the old policy keeps serving");
    assertLogProbsUnder(v1, g3);
    assertNull(service.node().orElseThrow().worker().failure());
  }

  @Test
  void badInputGoesToDeadLetterTopicAndTheWorkerContinues() throws Exception {
    Path ckpt = checkpoint("dlq", TINY, 5);
    // Undecodable bytes, and a group size outside 1..256 (rejected while decoding, naming the
    // field).
    send(producer, Topics.PROMPTS, null, "bad-json", "{not json".getBytes(StandardCharsets.UTF_8));
    PromptTask ok = task("run-dlq", "x", 1, sampling(4, 1), ref(0, ckpt));
    String zeroG = EventJson.toJson(ok).replace("\"groupSize\":1", "\"groupSize\":0");
    send(producer, Topics.PROMPTS, null, "zero-g", zeroG.getBytes(StandardCharsets.UTF_8));
    // Unknown run: nothing announced and no checkpoint named.
    PromptTask unknown = task("run-nobody", "x", 1, sampling(4, 1), new PolicyRef(0, null, null));
    sendTask(producer, unknown);
    // 61 prompt tokens + 10 new tokens > 64 positions.
    PromptTask tooLong = task("run-dlq", "y".repeat(60), 1, sampling(10, 1), ref(0, ckpt));
    sendTask(producer, tooLong);
    sendTask(producer, ok);

    Map<String, DeadLetter> dl =
        deadLetters(List.of("bad-json", "zero-g", unknown.groupId(), tooLong.groupId()), WAIT);
    assertTrue(dl.get("bad-json").reason().startsWith("undecodable:"), dl.get("bad-json").reason());
    assertTrue(
        dl.get("zero-g").reason().contains("groupSize must be between 1 and 256, was 0"),
        dl.get("zero-g").reason());
    assertArrayEquals(zeroG.getBytes(StandardCharsets.UTF_8), dl.get("zero-g").payload());
    assertTrue(
        dl.get(unknown.groupId()).reason().contains("no policy available for run 'run-nobody'"));
    assertTrue(
        dl.get(tooLong.groupId())
            .reason()
            .contains("must be <= max_position_embeddings 64, was 71"),
        dl.get(tooLong.groupId()).reason());
    assertEquals(Topics.PROMPTS, dl.get("bad-json").sourceTopic());
    assertEquals(
        1, groups(List.of(ok.groupId()), WAIT).size(), "the worker goes on after bad input");
    assertTrue(
        meters.find("grpo.rollout.dead.letters").counters().stream()
                .mapToDouble(c -> c.count())
                .sum()
            >= 4);
  }

  @Test
  void thePoisonSetIsDeadLetteredAndTheWorkerMovesOn() throws Exception {
    Path ckpt = checkpoint("poison", TINY, 9);
    PromptTask model = task("run-poison", "p", 1, sampling(4, 1), ref(0, ckpt));
    var set = PoisonRecords.forEvent("rollout", EventJson.toJson(model), "exact_match");
    try (var poisonProducer =
        PoisonRecords.producer(SharedTestInfrastructure.kafka().bootstrapServers())) {
      PoisonRecords.send(poisonProducer, Topics.PROMPTS, set);
    }
    PromptTask after = task("run-poison", "q", 1, sampling(4, 2), ref(0, ckpt));
    sendTask(producer, after);

    // An unknown checker is the reward stage's to reject: the worker generates it like any task.
    List<String> letters =
        set.stream().filter(p -> !p.kind().equals("unknown-checker")).map(p -> p.key()).toList();
    Map<String, DeadLetter> dl = deadLetters(letters, WAIT);
    assertEquals(Set.copyOf(letters), dl.keySet());
    for (var d : dl.values()) {
      assertEquals(DeadLetters.ROLLOUT_GENERATE, d.stage());
      assertEquals(Topics.PROMPTS, d.sourceTopic());
      assertTrue(d.reason().startsWith("undecodable:"), d.key() + ": " + d.reason());
    }
    DeadLetter large = dl.get("rollout-compressed-5mb");
    assertTrue(large.payloadTruncated(), "the 5 MB payload is cut to fit the broker");
    assertEquals((long) PoisonRecords.LARGE_RECORD_BYTES, large.originalPayloadBytes().longValue());
    assertEquals(sha256(set.get(5).value()), large.originalPayloadSha256());
    assertEquals(1, groups(List.of(after.groupId()), WAIT).size(), "the worker moved on");
    assertNull(service.node().orElseThrow().worker().failure());
    RestAssured.get("/q/health/live")
        .then()
        .statusCode(200)
        .body(org.hamcrest.Matchers.containsString("rollout-worker-loop"));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void twoWorkersInOneGroupShareThePrompts() throws Exception {
    Path ckpt = checkpoint("share", TINY, 6);
    var app = service.node().orElseThrow().worker();
    try (var second =
        new RolloutNode(
                settings(Topics.PROMPTS, "grpo-rollout", "second-worker"),
                CHECKPOINTS,
                "cpu",
                new SimpleMeterRegistry(),
                UnaryOperator.identity())
            .start()) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  !second.worker().assignment().isEmpty()
                      && !app.assignment().isEmpty()
                      && union(app.assignment(), second.worker().assignment()).size()
                          == RolloutKafkaResource.PROMPT_PARTITIONS
                      && disjoint(app.assignment(), second.worker().assignment()));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        PromptTask t = task("run-share", "task " + i, 2, sampling(5, i), ref(0, ckpt));
        ids.add(t.groupId());
        // One task per partition in turn, so each member owns some of them.
        send(
            producer,
            Topics.PROMPTS,
            i % RolloutKafkaResource.PROMPT_PARTITIONS,
            t.groupId(),
            EventJson.toBytes(t));
      }
      List<RolloutGroup> out = groups(ids, WAIT);
      assertEquals(8, out.size(), "every task answered exactly once");
      Map<String, Long> perWorker =
          out.stream()
              .collect(Collectors.groupingBy(RolloutGroup::workerId, Collectors.counting()));
      assertEquals(Set.of("app-worker", "second-worker"), perWorker.keySet(), perWorker.toString());
      assertEquals(
          4L, perWorker.get("second-worker"), "two of the four partitions each: " + perWorker);
    }
  }

  @Test
  void aWorkerThatDiesBeforeCommittingHasItsTaskRedelivered() throws Exception {
    Path ckpt = checkpoint("crash", TINY, 8);
    String topic = "rollout-test.crash-prompts";
    String group = "rollout-test-crash";
    createTopics(Map.of(topic, 1), Set.of());
    UnaryOperator<RolloutSink> dieBeforePublish =
        sink ->
            g ->
                CompletableFuture.failedFuture(
                    new IllegalStateException(
                        "injected: process dies before publishing " + g.groupId()));
    PromptTask t = task("run-crash", "crash", 2, sampling(5, 1), ref(0, ckpt));

    try (var dying =
        new RolloutNode(
                settings(topic, group, "dying-worker"),
                CHECKPOINTS,
                "cpu",
                new SimpleMeterRegistry(),
                dieBeforePublish)
            .start()) {
      send(producer, topic, null, t.groupId(), EventJson.toBytes(t));
      await().atMost(WAIT).until(() -> dying.worker().failure() != null);
      await().atMost(WAIT).until(() -> !dying.worker().alive());
    }
    // The task sits at offset 0: a committed position past it would have lost it.
    Long before = committed(group, topic);
    assertTrue(
        before == null || before == 0,
        "the dead worker committed nothing past its task, was " + before);

    try (var successor =
        new RolloutNode(
                settings(topic, group, "successor"),
                CHECKPOINTS,
                "cpu",
                new SimpleMeterRegistry(),
                UnaryOperator.identity())
            .start()) {
      List<RolloutGroup> out = groups(List.of(t.groupId()), WAIT);
      assertEquals(1, out.size());
      assertEquals("successor", out.get(0).workerId());
      await().atMost(WAIT).until(() -> Long.valueOf(1).equals(committed(group, topic)));
    }
  }

  /**
   * One transaction per batch: a worker that dies in the middle of one (here: stalled after its
   * first send, then fenced by its own restart under the same id, as after kill -9 and a restart)
   * leaves nothing a read_committed reader sees, and its successor writes each group once.
   */
  @Test
  void aWorkerFencedMidTransactionLeavesEachGroupOnceForReadCommitted() throws Exception {
    Path ckpt = checkpoint("txn", TINY, 21);
    String topic = "rollout-test.txn-prompts";
    String group = "rollout-test-txn";
    createTopics(Map.of(topic, 1), Set.of());
    var sent = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var once = new AtomicBoolean();
    // The first publish goes to the broker inside the open transaction, then the worker stalls
    // there: a process stopped between its sends and its commit.
    UnaryOperator<RolloutSink> stallAfterFirstSend =
        sink ->
            g -> {
              var f = sink.publish(g);
              if (once.compareAndSet(false, true)) {
                f.join();
                sent.countDown();
                waitFor(release);
              }
              return f;
            };
    List<PromptTask> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tasks.add(task("run-txn", "t" + i, 2, sampling(4, i), ref(0, ckpt)));
    }
    List<String> ids = tasks.stream().map(PromptTask::groupId).toList();

    var first =
        new RolloutNode(
                settings(topic, group, "txn-worker"),
                CHECKPOINTS,
                "cpu",
                new SimpleMeterRegistry(),
                stallAfterFirstSend)
            .start();
    RolloutNode second = null;
    try {
      for (PromptTask t : tasks) {
        send(producer, topic, 0, t.groupId(), EventJson.toBytes(t));
      }
      assertTrue(sent.await(60, TimeUnit.SECONDS), "the first group was sent");
      // The restart under the same worker id: same transactional.id (fences the first producer and
      // aborts its open transaction) and same group.instance.id (takes over its partitions).
      second =
          new RolloutNode(
                  settings(topic, group, "txn-worker"),
                  CHECKPOINTS,
                  "cpu",
                  new SimpleMeterRegistry(),
                  UnaryOperator.identity())
              .start();
      var successor = second.worker();
      await().atMost(WAIT).until(() -> successor.groupsPublished() >= tasks.size());
      assertEquals(tasks.size(), successor.groupsPublished(), "the successor wrote each once");
      release.countDown();
      await().atMost(WAIT).until(() -> first.worker().failure() != null);
      assertTrue(
          causes(first.worker().failure()).stream()
              .anyMatch(
                  c ->
                      c instanceof ProducerFencedException
                          || c instanceof org.apache.kafka.common.errors.FencedInstanceIdException
                          || c
                              instanceof
                              org.apache.kafka.common.errors.InvalidProducerEpochException),
          "the zombie stopped because it was fenced: " + first.worker().failure());

      Map<String, Long> committed = countById(ids, "read_committed");
      assertEquals(
          ids.stream().collect(Collectors.toMap(Function.identity(), id -> 1L)),
          committed,
          "each group once for read_committed readers");
      // The aborted copy is really in the log: the test did kill a worker mid-transaction.
      Map<String, Long> uncommitted = countById(ids, "read_uncommitted");
      assertTrue(
          uncommitted.values().stream().mapToLong(Long::longValue).sum() > ids.size(),
          "read_uncommitted also sees the aborted send: " + uncommitted);
    } finally {
      release.countDown();
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }

  /** Groups of {@code ids} in grpo.rollouts up to its end (the LSO for read_committed). */
  private static Map<String, Long> countById(List<String> ids, String isolation) {
    var p = new java.util.Properties();
    p.put("bootstrap.servers", SharedTestInfrastructure.kafka().bootstrapServers());
    p.put("key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    p.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    p.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
    p.put("isolation.level", isolation);
    Map<String, Long> out = new java.util.TreeMap<>();
    try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(p)) {
      var tp = new org.apache.kafka.common.TopicPartition(Topics.ROLLOUTS, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          String id = EventJson.fromBytes(r.value(), RolloutGroup.class).groupId();
          if (ids.contains(id)) {
            out.merge(id, 1L, Long::sum);
          }
        }
      }
    }
    return out;
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> out = new ArrayList<>();
    for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
      out.add(c);
      for (Throwable s : c.getSuppressed()) {
        out.add(s);
      }
    }
    return out;
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static RolloutWorker.Settings settings(String topic, String group, String workerId) {
    return new RolloutWorker.Settings(
        SharedTestInfrastructure.kafka().bootstrapServers(),
        topic,
        group,
        workerId,
        8,
        4,
        64,
        5,
        100);
  }

  private static Long committed(String group, String topic) throws Exception {
    try (var admin = admin()) {
      var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var o = offsets.get(new TopicPartition(topic, 0));
      return o == null ? null : o.offset();
    }
  }

  private double failures(String run) {
    var c = meters.find("grpo.rollout.policy.load.failures").tag("run", run).counter();
    return c == null ? 0 : c.count();
  }

  private static void assertLogProbsUnder(Path ckpt, RolloutGroup g) {
    try (LoadedCheckpoint ref = HfCheckpoint.load(ckpt, Device.cpu())) {
      int[] prompt = PromptEncoding.withBos(ref.tokenizer(), g.task().prompt());
      List<int[]> completions = g.completions().stream().map(Completion::tokenIds).toList();
      float[][] expected =
          TokenLogProbs.compute(
              ref.model(),
              completions.stream().map(c -> prompt).toList(),
              completions,
              g.task().sampling().temperature(),
              8);
      for (int i = 0; i < completions.size(); i++) {
        assertArrayEquals(
            expected[i], g.completions().get(i).logProbs(), (float) LOGPROB_TOLERANCE);
      }
    }
  }

  private static void flipByte(Path file, long at) throws Exception {
    try (var f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
  }

  private static Set<TopicPartition> union(Set<TopicPartition> a, Set<TopicPartition> b) {
    Set<TopicPartition> u = new HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static boolean disjoint(Set<TopicPartition> a, Set<TopicPartition> b) {
    return a.stream().noneMatch(b::contains);
  }
}
