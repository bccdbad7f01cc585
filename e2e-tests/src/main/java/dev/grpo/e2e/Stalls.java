package dev.grpo.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The stall after a fault: the time from the kill to the next {@code TrainerStep} of the run (its
 * {@code createdAt}, the trainer's clock, on the same machine as the killer's). A step after the
 * kill is training that moves again, whichever step number it has (a restarted trainer repeats the
 * steps after its last checkpoint).
 */
final class Stalls {
  /** How long after a kill {@link Stall#longestGap} looks. */
  static final Duration GAP_WINDOW = Duration.ofSeconds(60);

  private Stalls() {}

  /**
   * A fault the chaos suite caused: what was killed, when, and how long its restart took until the
   * process was ready again (a service's readiness, the broker's READY line).
   */
  record Kill(String target, Instant at, Duration restart) {}

  /** A {@code TrainerStep} event as read from {@code grpo.steps}. */
  record Step(String runId, long step, Instant createdAt) {}

  /**
   * The stall after one kill.
   *
   * @param stall kill to the next step; null when no step followed (the run never moved again)
   * @param nextStep the number of that step, -1 when none
   */
  /**
   * @param longestGap the longest time without a step between steps after the kill, up to {@link
   *     #GAP_WINDOW} after it or the next kill (kill to first step included): what the fault cost
   *     when the trainer still had groups buffered, so that its next step came before the stage was
   *     back
   */
  record Stall(Kill kill, Duration stall, long nextStep, Duration longestGap) {
    boolean recovered() {
      return stall != null;
    }
  }

  /** The stall after each kill, in kill order, from the steps of {@code runId}. */
  static List<Stall> of(List<Kill> kills, List<Step> steps, String runId) {
    List<Step> ofRun =
        steps.stream()
            .filter(s -> s.runId().equals(runId))
            .sorted(Comparator.comparing(Step::createdAt))
            .toList();
    List<Stall> out = new ArrayList<>();
    for (int i = 0; i < kills.size(); i++) {
      Kill k = kills.get(i);
      // The gaps of this kill end where the next fault's begin.
      Instant end = k.at().plus(GAP_WINDOW);
      if (i + 1 < kills.size() && kills.get(i + 1).at().isBefore(end)) {
        end = kills.get(i + 1).at();
      }
      Step next =
          ofRun.stream().filter(s -> s.createdAt().isAfter(k.at())).findFirst().orElse(null);
      if (next == null) {
        out.add(new Stall(k, null, -1, null));
        continue;
      }
      Instant previous = k.at();
      Duration gap = Duration.ZERO;
      for (Step s : ofRun) {
        if (!s.createdAt().isAfter(k.at())) {
          continue;
        }
        if (s.createdAt().isAfter(end) && previous != k.at()) {
          break;
        }
        Duration d = Duration.between(previous, s.createdAt());
        if (d.compareTo(gap) > 0) {
          gap = d;
        }
        previous = s.createdAt();
      }
      out.add(new Stall(k, Duration.between(k.at(), next.createdAt()), next.step(), gap));
    }
    return List.copyOf(out);
  }

  /**
   * The median time between consecutive steps of the run (the pace without faults, to read the
   * stalls against); zero with fewer than two steps.
   */
  static Duration medianStepInterval(List<Step> steps, String runId) {
    List<Instant> times =
        steps.stream().filter(s -> s.runId().equals(runId)).map(Step::createdAt).sorted().toList();
    if (times.size() < 2) {
      return Duration.ZERO;
    }
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(Duration.between(times.get(i - 1), times.get(i)));
    }
    gaps.sort(Comparator.naturalOrder());
    return gaps.get(gaps.size() / 2);
  }

  /**
   * The longest time training stood still after a kill: the larger of the stall and the longest
   * gap, over all kills; zero when there is none.
   */
  static Duration worst(List<Stall> stalls) {
    return stalls.stream()
        .filter(Stall::recovered)
        .map(s -> s.stall().compareTo(s.longestGap()) >= 0 ? s.stall() : s.longestGap())
        .max(Comparator.naturalOrder())
        .orElse(Duration.ZERO);
  }

  /** The longest recovered stall; zero when there is none. */
  static Duration longest(List<Stall> stalls) {
    return stalls.stream()
        .map(Stall::stall)
        .filter(d -> d != null)
        .max(Comparator.naturalOrder())
        .orElse(Duration.ZERO);
  }
}
