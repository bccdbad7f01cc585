package dev.grpo.e2e;

import dev.grpo.localinfra.SharedTestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./grpo chaos}: the full chaos run (docs/operations.md, "Faults and recovery"). Every
 * service and the broker killed with -9 and restarted, {@code --rounds} times each, in a longer run
 * with the poison set on every input topic; then a backlog of {@code --backlog} queued tasks while
 * the services' resident memory is sampled. Prints the report (stall per kill, counts, RSS,
 * violations) and writes it to {@code <dir>/report.txt}.
 *
 * <p>Exit status: 0 when every invariant holds and the longest stall is within {@code
 * --stall-goal-s}; 1 on a violation; 2 when only the stall goal was missed.
 */
public final class ChaosMain {
  private ChaosMain() {}

  public static void main(String[] args) throws Exception {
    int steps = 120;
    int rounds = 2;
    int backlog = 100_000;
    int watchSeconds = 90;
    int stallGoalSeconds = 10;
    Path dir = Path.of("work/chaos");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        usage(a + " needs a value");
      }
      switch (a) {
        case "--steps" -> steps = positive(a, v);
        case "--rounds" -> rounds = positive(a, v);
        case "--backlog" -> backlog = Integer.parseInt(v);
        case "--watch-s" -> watchSeconds = positive(a, v);
        case "--stall-goal-s" -> stallGoalSeconds = positive(a, v);
        case "--dir" -> dir = Path.of(v);
        default -> usage("unknown option " + a);
      }
      i++;
    }
    dir = dir.toAbsolutePath();
    Files.createDirectories(dir);
    List<String> kills = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      kills.addAll(
          List.of("rollout-service", "reward-service", "trainer-service", ChaosScenario.BROKER));
    }
    var plan =
        new ChaosScenario.Plan(
            "full",
            steps,
            kills,
            3,
            Duration.ofMinutes(3),
            Duration.ofMinutes(20),
            backlog,
            Duration.ofSeconds(watchSeconds));
    var report =
        new ChaosScenario(
                plan,
                dir,
                SharedTestInfrastructure.postgres().endpoint(),
                BrokerProcess.currentClasspath(),
                System.err)
            .run();
    String text = report.format();
    Files.writeString(dir.resolve("report.txt"), text);
    System.out.print(text);
    boolean goalMet =
        report.stalls().stream().allMatch(Stalls.Stall::recovered)
            && Stalls.worst(report.stalls()).compareTo(Duration.ofSeconds(stallGoalSeconds)) <= 0;
    System.out.println(
        "stall goal (training moves again within "
            + stallGoalSeconds
            + " s of every kill, stall and longest gap): "
            + (goalMet ? "met" : "MISSED"));
    System.exit(!report.violations().isEmpty() ? 1 : goalMet ? 0 : 2);
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    usage(option + " must be a positive integer, was '" + value + "'");
    return 0;
  }

  private static void usage(String problem) {
    System.err.println("chaos: " + problem);
    System.err.println(
        "usage: ChaosMain [--steps N] [--rounds R] [--backlog TASKS] [--watch-s S] [--stall-goal-s"
            + " S] [--dir DIR]");
    System.exit(64);
  }
}
