package dev.grpo.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.console.GroupLag.Partition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupLagTest {
  @Test
  void lagIsEndMinusCommittedSummedPerTopic() {
    var ends =
        Map.of(
            new Partition("grpo.scored", 0), 100L,
            new Partition("grpo.scored", 1), 50L,
            new Partition("grpo.dlq", 0), 7L);
    var committed =
        Map.of(new Partition("grpo.scored", 0), 90L, new Partition("grpo.scored", 1), 50L);
    var lag = GroupLag.byTopic(ends, committed);
    // grpo.dlq has nothing committed: its whole end offset is lag
    assertThat(lag).containsExactly(Map.entry("grpo.dlq", 7L), Map.entry("grpo.scored", 10L));
    var flow = new GroupLag.GroupFlow("g", "STABLE", lag, List.of());
    assertThat(flow.totalLag()).isEqualTo(17);
  }

  @Test
  void aCommitAheadOfTheSampledEndIsNoNegativeLag() {
    var lag =
        GroupLag.byTopic(Map.of(new Partition("t", 0), 5L), Map.of(new Partition("t", 0), 6L));
    assertThat(lag).containsEntry("t", 0L);
  }
}
