package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * End-to-end throughput of one instance over the real broker: produce N groups of 16 completions (a
 * math mix: right, wrong, boxed fractions, think-hidden answers, unformatted), measure from the
 * first send to the last committed scored group read with read_committed. Opt-in: {@code mvn -pl
 * reward-service test -Dtest=EndToEndThroughputTest -Dgrpo.bench=true -Dgrpo.bench.groups=2000}.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@EnabledIfSystemProperty(named = "grpo.bench", matches = "true")
class EndToEndThroughputTest {
  private static final List<String> MIX =
      List.of(
          "<think>2+2=4</think><answer>\\boxed{4}</answer>",
          "<think>so</think>The answer is \\boxed{\\frac{8}{2}}",
          "<think>hmm</think><answer>\\boxed{5}</answer>",
          "<think>\\boxed{4}</think> I give up",
          "\\boxed{4.0}",
          "x = 4",
          "<think>long reasoning " + "step ".repeat(200) + "</think><answer>\\boxed{4}</answer>",
          "\\boxed{3} or \\boxed{4}");

  @Test
  void throughputOfOneInstance() {
    int groups = Integer.getInteger("grpo.bench.groups", 500);
    var kafka = new KafkaFixture(SharedTestInfrastructure.kafka().bootstrapServers());
    kafka.createTopics();
    var ids = new ArrayList<String>();
    var events = new ArrayList<Map.Entry<String, byte[]>>();
    for (int i = 0; i < groups; i++) {
      var id = "bench-" + i + "-" + UUID.randomUUID();
      var texts = new ArrayList<String>();
      for (int c = 0; c < 16; c++) {
        texts.add(MIX.get((i + c) % MIX.size()));
      }
      ids.add(id);
      events.add(
          Map.entry(id, EventJson.toBytes(Fixtures.group(id, Fixtures.mathSpec(), "4", texts))));
    }
    var wanted = new HashSet<>(ids);
    long start = System.nanoTime();
    kafka.sendRaw(events);
    var read =
        kafka.readUntil(
            Topics.SCORED,
            true,
            Duration.ofMinutes(10),
            all -> {
              all.removeIf(r -> !wanted.contains(r.key()));
              return all.size() >= groups;
            });
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(read).hasSize(groups);
    System.out.printf(
        "E2E: %d groups x 16 completions in %.2f s: %.1f groups/s, %.0f completions/s, %d cores%n",
        groups,
        seconds,
        groups / seconds,
        groups * 16 / seconds,
        Runtime.getRuntime().availableProcessors());
  }
}
