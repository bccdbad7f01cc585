package dev.grpo.e2e;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Java side of {@code ./grpo demo}: creates the demo run through the trainer's REST API, prints
 * progress until the run ends, and writes the report folder. The script owns the processes; this
 * class only talks HTTP.
 *
 * <pre>
 * run    --trainer URL [--recipe FILE] [--steps N] [--seed S] [--max-staleness K] [--name NAME]
 *        [--trainer-backend embedded|torch] [--workers N]
 *        [--report-dir DIR] [--poll-millis MS] [--tty] [--run-id-file FILE]
 * report --trainer URL --run ID [--report-dir DIR]
 * </pre>
 *
 * <p>Exit status: 0 the run completed; 3 it ended FAILED or STOPPED, or was interrupted; 2 bad
 * arguments; 1 the trainer could not be reached. On SIGTERM (the script's Ctrl-C trap, or a service
 * that died) it stops the run and writes the report of what was reached, marked as interrupted.
 */
public final class DemoMain {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_RUN_NOT_COMPLETED = 3;

  /** Without a change, print a line at least this often when not on a terminal. */
  static final long QUIET_LINE_MILLIS = 15_000;

  private DemoMain() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    // No DJL switch here: DJL is not on this classpath (the services it starts set DjlOffline).
    int status;
    try {
      status = run(args, System.out, System.err);
    } catch (IllegalArgumentException e) {
      System.err.println("grpo demo: " + e.getMessage());
      status = EXIT_USAGE;
    }
    System.exit(status);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: DemoMain run|report --trainer URL ...");
    }
    Map<String, String> o =
        options(
            args,
            Set.of(
                "--trainer",
                "--recipe",
                "--steps",
                "--seed",
                "--max-staleness",
                "--trainer-backend",
                "--workers",
                "--name",
                "--report-dir",
                "--poll-millis",
                "--run-id-file",
                "--run"),
            Set.of("--tty"));
    String trainer = o.get("--trainer");
    if (trainer == null) {
      throw new IllegalArgumentException(
          "--trainer URL is required, e.g. --trainer http://127.0.0.1:8080");
    }
    TrainerClient client = new TrainerClient(URI.create(trainer));
    Path reportRoot = Path.of(o.getOrDefault("--report-dir", "work/reports")).toAbsolutePath();
    return switch (args[0]) {
      case "run" -> runDemo(client, recipe(o), reportRoot, o, out, err);
      case "report" -> {
        String id = o.get("--run");
        if (id == null) {
          throw new IllegalArgumentException("report needs --run ID");
        }
        DemoRecipe r = recipe(o);
        try {
          Path dir =
              ReportWriter.write(
                  client.snapshot(id), r.evalChecker(), r.targetAccuracy(), reportRoot, null);
          out.println("report: " + dir);
          yield EXIT_OK;
        } catch (IOException e) {
          err.println("grpo demo: cannot write the report of run " + id + ": " + e.getMessage());
          yield EXIT_FAILED;
        }
      }
      default ->
          throw new IllegalArgumentException(
              "command must be 'run' or 'report', was '" + args[0] + "'");
    };
  }

  static DemoRecipe recipe(Map<String, String> o) {
    DemoRecipe r;
    try {
      r =
          o.containsKey("--recipe")
              ? DemoRecipe.fromFile(Path.of(o.get("--recipe")))
              : DemoRecipe.builtIn();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--recipe " + o.get("--recipe") + " cannot be read: " + e.getMessage());
    }
    if (o.containsKey("--steps")) {
      r = r.withSteps(intOption(o, "--steps"));
    }
    if (o.containsKey("--seed")) {
      r = r.withSeed(longOption(o, "--seed"));
    }
    if (o.containsKey("--max-staleness")) {
      r = r.withMaxStaleness(intOption(o, "--max-staleness"));
    }
    if (o.containsKey("--trainer-backend") || o.containsKey("--workers")) {
      r =
          r.withTrainer(
              o.getOrDefault("--trainer-backend", "torch"),
              o.containsKey("--workers") ? intOption(o, "--workers") : null);
    }
    if (o.containsKey("--name")) {
      r = r.withName(o.get("--name"));
    }
    return r;
  }

  private static int runDemo(
      TrainerClient client,
      DemoRecipe recipe,
      Path reportRoot,
      Map<String, String> o,
      PrintStream out,
      PrintStream err) {
    boolean tty = o.containsKey("--tty");
    long pollMillis = o.containsKey("--poll-millis") ? intOption(o, "--poll-millis") : 1000;
    String runId;
    try {
      runId = client.createRun(recipe.runConfig());
    } catch (IOException e) {
      err.println("grpo demo: creating the run failed: " + e.getMessage());
      return EXIT_FAILED;
    }
    out.println(
        "run "
            + runId
            + " created: seed "
            + recipe.runConfig().path("seed").asLong()
            + ", maxStaleness "
            + recipe.runConfig().path("maxStaleness").asInt()
            + ", "
            + recipe.runConfig().path("steps").asInt()
            + " steps; trainer "
            + client.base()
            + "/runs/"
            + runId);
    if (o.containsKey("--run-id-file")) {
      try {
        Files.writeString(Path.of(o.get("--run-id-file")), runId + "\n");
      } catch (IOException e) {
        err.println("grpo demo: cannot write " + o.get("--run-id-file") + ": " + e.getMessage());
      }
    }

    AtomicReference<RunSnapshot> last = new AtomicReference<>();
    AtomicBoolean finished = new AtomicBoolean();
    Thread main = Thread.currentThread();
    Thread hook =
        new Thread(
            () -> {
              if (finished.get()) {
                return;
              }
              main.interrupt();
              interrupted(client, runId, last.get(), recipe, reportRoot, out, err);
            },
            "demo-interrupted");
    Runtime.getRuntime().addShutdownHook(hook);

    String previous = "";
    long lastPrinted = 0;
    int unreachable = 0;
    while (true) {
      RunSnapshot s;
      try {
        s = client.snapshot(runId);
        unreachable = 0;
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          return EXIT_RUN_NOT_COMPLETED;
        }
        // A busy trainer may miss one poll; several in a row mean it is gone.
        if (++unreachable >= 10) {
          err.println("\ngrpo demo: the trainer stopped answering: " + e.getMessage());
          return EXIT_FAILED;
        }
        sleep(pollMillis);
        continue;
      }
      last.set(s);
      String line = ProgressLine.format(s, recipe.evalChecker());
      long now = System.currentTimeMillis();
      if (tty) {
        out.print("\r\033[K" + line);
        out.flush();
      } else if (!sameProgress(line, previous) || now - lastPrinted > QUIET_LINE_MILLIS) {
        out.println(line);
        lastPrinted = now;
      }
      previous = line;
      if (s.terminal()) {
        finished.set(true);
        if (tty) {
          out.println();
        }
        try {
          Path dir =
              ReportWriter.write(
                  s, recipe.evalChecker(), recipe.targetAccuracy(), reportRoot, null);
          summary(s, recipe, dir, out);
        } catch (IOException e) {
          err.println("grpo demo: writing the report failed: " + e.getMessage());
          return EXIT_FAILED;
        }
        return s.status().equals("COMPLETED") ? EXIT_OK : EXIT_RUN_NOT_COMPLETED;
      }
      if (!sleep(pollMillis)) {
        return EXIT_RUN_NOT_COMPLETED;
      }
    }
  }

  /** Lines differ in elapsed time every poll; only a new step or eval is news worth a line. */
  static boolean sameProgress(String a, String b) {
    return a.replaceAll("\\|[^|]*elapsed.*", "").equals(b.replaceAll("\\|[^|]*elapsed.*", ""));
  }

  private static void interrupted(
      TrainerClient client,
      String runId,
      RunSnapshot last,
      DemoRecipe recipe,
      Path reportRoot,
      PrintStream out,
      PrintStream err) {
    TrainerClient quick = new TrainerClient(client.base(), Duration.ofSeconds(5));
    RunSnapshot s = last;
    try {
      // Otherwise a trainer restarted on the same database would resume this run.
      quick.stopRun(runId);
      s = quick.snapshot(runId);
    } catch (IOException e) {
      err.println(
          "\ngrpo demo: could not stop run "
              + runId
              + " ("
              + e.getMessage()
              + "); reporting the last reading");
    }
    if (s == null) {
      return;
    }
    try {
      Path dir =
          ReportWriter.write(
              s,
              recipe.evalChecker(),
              recipe.targetAccuracy(),
              reportRoot,
              "interrupted before the run ended; numbers are what was reached");
      out.println("\npartial report: " + dir);
    } catch (IOException | RuntimeException e) {
      err.println("grpo demo: writing the partial report failed: " + e);
    }
  }

  private static void summary(RunSnapshot s, DemoRecipe recipe, Path dir, PrintStream out) {
    String checker = s.evalChecker(recipe.evalChecker());
    var eval = s.evalCurve(checker);
    out.printf(
        java.util.Locale.ROOT,
        "run %s %s after %d steps in %s (%.3f steps/s)%n",
        s.runId(),
        s.status(),
        s.completedSteps(),
        ProgressLine.clock(s.trainingSeconds()),
        s.stepsPerSecond());
    out.printf(
        java.util.Locale.ROOT,
        "train reward mean: first %d steps %.3f, last %d steps %.3f%n",
        ReportWriter.REWARD_WINDOW_STEPS,
        s.meanReward(true, ReportWriter.REWARD_WINDOW_STEPS),
        ReportWriter.REWARD_WINDOW_STEPS,
        s.meanReward(false, ReportWriter.REWARD_WINDOW_STEPS));
    if (!eval.isEmpty()) {
      out.printf(
          java.util.Locale.ROOT,
          "held-out %s: %.3f at step %d -> %.3f at step %d%n",
          checker,
          eval.get(0).value(),
          eval.get(0).step(),
          eval.get(eval.size() - 1).value(),
          eval.get(eval.size() - 1).step());
    }
    out.println(
        s.firstReaching(checker, recipe.targetAccuracy())
            .map(
                h ->
                    String.format(
                        java.util.Locale.ROOT,
                        "target %.2f reached at step %d after %s",
                        recipe.targetAccuracy(),
                        h.step(),
                        ProgressLine.clock(h.seconds())))
            .orElse(
                String.format(
                    java.util.Locale.ROOT, "target %.2f not reached", recipe.targetAccuracy())));
    ReportWriter.finalCheckpoint(s)
        .ifPresent(p -> out.println("final checkpoint (Hugging Face layout): " + p));
    out.println("report: " + dir);
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Map<String, String> options(String[] args, Set<String> valued, Set<String> flags) {
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (flags.contains(a)) {
        o.put(a, "true");
      } else if (valued.contains(a)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        o.put(a, args[++i]);
      } else {
        throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return o;
  }

  private static int intOption(Map<String, String> o, String name) {
    try {
      return Integer.parseInt(o.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + o.get(name) + "'");
    }
  }

  private static long longOption(Map<String, String> o, String name) {
    try {
      return Long.parseLong(o.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + o.get(name) + "'");
    }
  }
}
