package dev.grpo.e2e;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What must hold after a chaos run, checked over what it left: the trainer's REST accounting, its
 * database rows, the final checkpoint's list of trained groups, the topics (read_committed where
 * written in transactions) and the dead letters. Each violation is one line naming the rule and the
 * offending groups, so a failed run says what broke.
 */
final class ChaosInvariants {
  /** Examples of offending ids shown per violation. */
  static final int EXAMPLES = 5;

  private ChaosInvariants() {}

  /** One prompt_group row. */
  record GroupRow(String state, String dropReason, Integer trainedStep) {}

  /** One record on grpo.dlq. */
  record Letter(String stage, String reason, String sourceTopic) {}

  /**
   * Everything collected after the run.
   *
   * @param runStatus the run's final status (REST)
   * @param issued issued groups (REST)
   * @param trained trained groups (REST)
   * @param inFlight groups in flight (REST)
   * @param dropped dropped groups by reason (REST)
   * @param rows the run's prompt_group rows by groupId
   * @param groupsPerStep training_step.group_count by step
   * @param checkpointTrained trainedGroupIds of the final checkpoint's run state, in order
   * @param prompted groupIds of the run's records on grpo.prompts, one entry per record
   * @param rollouts groupIds of the run's records on grpo.rollouts (read_committed)
   * @param scored groupIds of the run's records on grpo.scored (read_committed)
   * @param lettersByKey records on grpo.dlq by key
   * @param poisonKeys keys of the injected poison that must each have a dead letter
   */
  record Evidence(
      String runStatus,
      long issued,
      long trained,
      long inFlight,
      Map<String, Long> dropped,
      Map<String, GroupRow> rows,
      Map<Integer, Integer> groupsPerStep,
      List<String> checkpointTrained,
      List<String> prompted,
      List<String> rollouts,
      List<String> scored,
      Map<String, List<Letter>> lettersByKey,
      Set<String> poisonKeys) {}

  /** The violations, empty when every rule holds. */
  static List<String> check(Evidence e) {
    List<String> out = new ArrayList<>();
    if (!"COMPLETED".equals(e.runStatus())) {
      out.add("the run did not complete: status " + e.runStatus());
    }
    long dropped = e.dropped().values().stream().mapToLong(Long::longValue).sum();
    if (e.issued() != e.trained() + dropped || e.inFlight() != 0) {
      out.add(
          "issued = trained + dropped does not hold: issued "
              + e.issued()
              + ", trained "
              + e.trained()
              + ", dropped "
              + dropped
              + " "
              + e.dropped()
              + ", in flight "
              + e.inFlight());
    }
    if (e.rows().size() != e.issued()) {
      out.add(
          "prompt_group holds " + e.rows().size() + " rows, REST says " + e.issued() + " issued");
    }

    Set<String> trainedRows = new TreeSet<>();
    Set<String> undecided = new TreeSet<>();
    Set<String> droppedWithoutReason = new TreeSet<>();
    e.rows()
        .forEach(
            (id, row) -> {
              switch (row.state()) {
                case "TRAINED" -> trainedRows.add(id);
                case "DROPPED" -> {
                  if (row.dropReason() == null || row.dropReason().isBlank()) {
                    droppedWithoutReason.add(id);
                  }
                }
                default -> undecided.add(id);
              }
            });
    if (trainedRows.size() != e.trained()) {
      out.add(trainedRows.size() + " rows TRAINED, REST says " + e.trained() + " trained");
    }
    // Lost: issued and never decided, or decided without saying why.
    addIfAny(out, "groups lost (issued, never trained or dropped)", undecided);
    addIfAny(out, "groups dropped without a reason", droppedWithoutReason);
    Set<String> promptedSet = new HashSet<>(e.prompted());
    addIfAny(out, "groups issued but never on grpo.prompts", minus(e.rows().keySet(), promptedSet));
    addIfAny(
        out,
        "groups on grpo.prompts without a prompt_group row",
        minus(promptedSet, e.rows().keySet()));
    addIfAny(
        out, "trained groups never on grpo.scored", minus(trainedRows, new HashSet<>(e.scored())));

    // Trained twice: the steps count more groups than the rows, or the checkpoint names one twice.
    int stepSum = e.groupsPerStep().values().stream().mapToInt(Integer::intValue).sum();
    if (stepSum != trainedRows.size()) {
      out.add(
          "the steps trained "
              + stepSum
              + " groups (training_step.group_count), but "
              + trainedRows.size()
              + " rows are TRAINED");
    }
    addIfAny(
        out, "groups trained twice in the final checkpoint", duplicates(e.checkpointTrained()));
    Set<String> inCheckpoint = new HashSet<>(e.checkpointTrained());
    addIfAny(
        out, "TRAINED rows missing from the final checkpoint", minus(trainedRows, inCheckpoint));
    addIfAny(
        out, "checkpoint groups not TRAINED in the database", minus(inCheckpoint, trainedRows));

    // Each groupId once per topic: the trainer publishes each task once (on resume it reads back
    // what a crash left unmarked), and the two stages write in transactions, so read_committed
    // readers see each group once on grpo.rollouts and grpo.scored.
    addIfAny(out, "groupIds on grpo.prompts more than once", duplicates(e.prompted()));
    addIfAny(
        out, "groupIds on grpo.rollouts (read_committed) more than once", duplicates(e.rollouts()));
    addIfAny(
        out, "groupIds on grpo.scored (read_committed) more than once", duplicates(e.scored()));

    Set<String> unlettered = new TreeSet<>();
    Set<String> noReason = new TreeSet<>();
    for (String key : e.poisonKeys()) {
      List<Letter> letters = e.lettersByKey().getOrDefault(key, List.of());
      if (letters.isEmpty()) {
        unlettered.add(key);
      } else if (letters.stream().anyMatch(l -> l.reason() == null || l.reason().isBlank())) {
        noReason.add(key);
      }
    }
    addIfAny(out, "poison records without a dead letter", unlettered);
    addIfAny(out, "dead letters of poison without a reason", noReason);
    return List.copyOf(out);
  }

  /** The ids that occur more than once, with their counts. */
  static Set<String> duplicates(List<String> ids) {
    Map<String, Integer> counts = new HashMap<>();
    ids.forEach(id -> counts.merge(id, 1, Integer::sum));
    return counts.entrySet().stream()
        .filter(en -> en.getValue() > 1)
        .map(en -> en.getKey() + " x" + en.getValue())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }

  private static void addIfAny(List<String> out, String rule, Set<String> ids) {
    if (!ids.isEmpty()) {
      out.add(
          rule
              + ": "
              + ids.size()
              + ", e.g. "
              + ids.stream().limit(EXAMPLES).collect(Collectors.joining(", ")));
    }
  }
}
