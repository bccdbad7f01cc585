package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.e2e.ChaosInvariants.Evidence;
import dev.grpo.e2e.ChaosInvariants.GroupRow;
import dev.grpo.e2e.ChaosInvariants.Letter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChaosInvariantsTest {
  private static final GroupRow TRAINED_0 = new GroupRow("TRAINED", null, 0);
  private static final GroupRow TRAINED_1 = new GroupRow("TRAINED", null, 1);
  private static final Letter LETTER =
      new Letter("rollout-service/generate", "undecodable: x", "grpo.prompts");

  /** Three groups: a and b trained in steps 0 and 1, c dropped as stale; one poison record. */
  private static Evidence healthy() {
    return new Evidence(
        "COMPLETED",
        3,
        2,
        0,
        Map.of("stale", 1L),
        Map.of("a", TRAINED_0, "b", TRAINED_1, "c", new GroupRow("DROPPED", "stale", null)),
        Map.of(0, 1, 1, 1),
        List.of("a", "b"),
        List.of("a", "b", "c"),
        List.of("a", "b", "c"),
        List.of("a", "b", "c"),
        Map.of("p-random-bytes", List.of(LETTER, LETTER)),
        Set.of("p-random-bytes"));
  }

  @Test
  void aHealthyRunHasNoViolations() {
    assertThat(ChaosInvariants.check(healthy())).isEmpty();
  }

  @Test
  void aRunThatDidNotCompleteIsAViolation() {
    var e = healthy();
    var v =
        ChaosInvariants.check(
            copy(
                e,
                "FAILED",
                e.rows(),
                e.checkpointTrained(),
                e.rollouts(),
                e.scored(),
                e.lettersByKey()));
    assertThat(v).singleElement().asString().contains("did not complete");
  }

  @Test
  void aGroupLeftIssuedIsLost() {
    var e = healthy();
    var rows = new HashMap<>(e.rows());
    rows.put("c", new GroupRow("ISSUED", null, null));
    var v =
        ChaosInvariants.check(
            copy(
                e,
                "COMPLETED",
                rows,
                e.checkpointTrained(),
                e.rollouts(),
                e.scored(),
                e.lettersByKey()));
    assertThat(String.join("\n", v)).contains("groups lost").contains("c");
  }

  @Test
  void aGroupTwiceInTheCheckpointWasTrainedTwice() {
    var e = healthy();
    var v =
        ChaosInvariants.check(
            copy(
                e,
                "COMPLETED",
                e.rows(),
                List.of("a", "b", "a"),
                e.rollouts(),
                e.scored(),
                e.lettersByKey()));
    assertThat(v).singleElement().asString().contains("trained twice").contains("a x2");
  }

  @Test
  void aGroupTwiceOnACommittedTopicIsAViolationPerTopic() {
    var e = healthy();
    var twice = new ArrayList<>(e.rollouts());
    twice.add("b");
    var v =
        ChaosInvariants.check(
            copy(e, "COMPLETED", e.rows(), e.checkpointTrained(), twice, twice, e.lettersByKey()));
    assertThat(v).hasSize(2);
    assertThat(v.get(0)).contains("grpo.rollouts").contains("b x2");
    assertThat(v.get(1)).contains("grpo.scored");
  }

  @Test
  void aTaskPublishedTwiceIsAViolationEvenWhenTheStagesCarryItOnce() {
    var e = healthy();
    var prompted = new ArrayList<>(e.prompted());
    prompted.add("b");
    assertThat(ChaosInvariants.check(withPrompted(e, prompted)))
        .singleElement()
        .asString()
        .contains("grpo.prompts")
        .contains("b x2");
  }

  private static Evidence withPrompted(Evidence e, List<String> prompted) {
    return new Evidence(
        e.runStatus(),
        e.issued(),
        e.trained(),
        e.inFlight(),
        e.dropped(),
        e.rows(),
        e.groupsPerStep(),
        e.checkpointTrained(),
        prompted,
        e.rollouts(),
        e.scored(),
        e.lettersByKey(),
        e.poisonKeys());
  }

  @Test
  void poisonWithoutALetterOrWithoutAReasonIsAViolation() {
    var e = healthy();
    assertThat(
            ChaosInvariants.check(
                copy(
                    e,
                    "COMPLETED",
                    e.rows(),
                    e.checkpointTrained(),
                    e.rollouts(),
                    e.scored(),
                    Map.of())))
        .singleElement()
        .asString()
        .contains("without a dead letter");
    var blank = Map.of("p-random-bytes", List.of(new Letter("s", " ", "t")));
    assertThat(
            ChaosInvariants.check(
                copy(
                    e,
                    "COMPLETED",
                    e.rows(),
                    e.checkpointTrained(),
                    e.rollouts(),
                    e.scored(),
                    blank)))
        .singleElement()
        .asString()
        .contains("without a reason");
  }

  @Test
  void theStepsCountingMoreGroupsThanTheRowsIsATrainedTwice() {
    var e = healthy();
    var v =
        ChaosInvariants.check(
            new Evidence(
                e.runStatus(),
                e.issued(),
                e.trained(),
                e.inFlight(),
                e.dropped(),
                e.rows(),
                Map.of(0, 1, 1, 2),
                e.checkpointTrained(),
                e.prompted(),
                e.rollouts(),
                e.scored(),
                e.lettersByKey(),
                e.poisonKeys()));
    assertThat(v).singleElement().asString().contains("the steps trained 3 groups");
  }

  private static Evidence copy(
      Evidence e,
      String status,
      Map<String, GroupRow> rows,
      List<String> checkpoint,
      List<String> rollouts,
      List<String> scored,
      Map<String, List<Letter>> letters) {
    return new Evidence(
        status,
        e.issued(),
        e.trained(),
        e.inFlight(),
        e.dropped(),
        rows,
        e.groupsPerStep(),
        checkpoint,
        e.prompted(),
        rollouts,
        scored,
        letters,
        e.poisonKeys());
  }
}
