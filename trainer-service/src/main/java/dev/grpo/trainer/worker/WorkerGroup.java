package dev.grpo.trainer.worker;

import dev.grpo.trainer.worker.WorkerException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A group of PyTorch worker ranks on this machine, started by our own launcher through {@code
 * env://} ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}, {@code
 * LOCAL_RANK}): Debian's torch 1.13 has a {@code torchrun} that fails at start. Before launching it
 * checks that the Python exists, is at least {@value #MIN_PYTHON} and imports torch, so each of
 * those fails with its own message; then it waits for rank 0's health and checks the protocol. Each
 * rank's output goes to {@code rank-<r>.log} in the log directory; the tail of it is part of every
 * start failure.
 */
public final class WorkerGroup implements AutoCloseable {

  /** The oldest Python the worker runs on. */
  public static final String MIN_PYTHON = "3.11";

  /** The worker's Python files, packaged as resources {@code grpo_worker/<file>} of this module. */
  static final List<String> SOURCES =
      List.of(
          "__init__.py",
          "__main__.py",
          "client.py",
          "loss.py",
          "model.py",
          "optim.py",
          "protocol.py",
          "safetensors_io.py",
          "trainer.py");

  /**
   * How to start a group.
   *
   * @param python the interpreter command ({@code python3} or a path)
   * @param workerDir directory holding {@code grpo_worker/}, or null to use the packaged copy
   * @param ranks processes (world size), >= 1
   * @param threadsPerRank torch intra-op threads per rank, 0 = torch's default
   * @param device {@code cpu} (gloo) or {@code cuda} (one GPU per rank, NCCL)
   * @param startTimeout how long rank 0 may take to answer its first health check
   * @param logDir where each rank's output goes
   * @param env extra environment of every rank (e.g. a test's fault hook)
   */
  public record Spec(
      String python,
      Path workerDir,
      int ranks,
      int threadsPerRank,
      String device,
      Duration startTimeout,
      Path logDir,
      Map<String, String> env) {
    public Spec {
      if (ranks < 1) {
        throw new IllegalArgumentException("ranks must be >= 1, was " + ranks);
      }
      env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** The same group in another log directory. */
    public Spec withLogDir(Path dir) {
      return new Spec(python, workerDir, ranks, threadsPerRank, device, startTimeout, dir, env);
    }
  }

  private final Spec spec;
  private final List<Process> ranks;
  private final WorkerClient client;

  private WorkerGroup(Spec spec, List<Process> ranks, WorkerClient client) {
    this.spec = spec;
    this.ranks = ranks;
    this.client = client;
  }

  /**
   * Starts the group and waits for rank 0.
   *
   * @throws WorkerException {@link Kind#SETUP} (no Python, no torch, a rank that exits), {@link
   *     Kind#PROTOCOL} (another version), {@link Kind#UNREACHABLE} (rank 0 never answered)
   */
  public static WorkerGroup start(Spec spec, WorkerClient.Timeouts timeouts) {
    preflight(spec.python());
    Path dir = spec.workerDir() != null ? spec.workerDir() : extractPackaged();
    if (!Files.isRegularFile(dir.resolve("grpo_worker").resolve("__main__.py"))) {
      throw new WorkerException(
          Kind.SETUP, "worker directory " + dir + " holds no grpo_worker/__main__.py");
    }
    int port = freePort();
    int master = freePort();
    List<Process> procs = new ArrayList<>();
    try {
      Files.createDirectories(spec.logDir());
      for (int r = 0; r < spec.ranks(); r++) {
        var pb =
            new ProcessBuilder(
                    spec.python(),
                    "-m",
                    "grpo_worker",
                    "--port",
                    Integer.toString(port),
                    "--threads",
                    Integer.toString(spec.threadsPerRank()))
                .redirectErrorStream(true)
                .redirectOutput(spec.logDir().resolve("rank-" + r + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("PYTHONPATH", dir.toAbsolutePath().toString());
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.put("MASTER_ADDR", "127.0.0.1");
        env.put("MASTER_PORT", Integer.toString(master));
        env.put("RANK", Integer.toString(r));
        env.put("LOCAL_RANK", Integer.toString(r));
        env.put("WORLD_SIZE", Integer.toString(spec.ranks()));
        env.put("GRPO_WORKER_DEVICE", spec.device());
        env.putAll(spec.env());
        procs.add(pb.start());
      }
    } catch (IOException e) {
      procs.forEach(Process::destroyForcibly);
      throw new WorkerException(Kind.SETUP, "cannot start worker ranks: " + e.getMessage(), e);
    }
    var client = new WorkerClient(URI.create("http://127.0.0.1:" + port), timeouts);
    var group = new WorkerGroup(spec, procs, client);
    long deadline = System.nanoTime() + spec.startTimeout().toNanos();
    while (true) {
      Optional<String> dead = group.deadRank();
      if (dead.isPresent()) {
        group.destroy();
        throw new WorkerException(Kind.SETUP, "worker did not start: " + dead.get());
      }
      try {
        client.health();
        return group;
      } catch (WorkerException e) {
        if (e.kind() != Kind.UNREACHABLE || System.nanoTime() > deadline) {
          group.destroy();
          if (e.kind() == Kind.UNREACHABLE) {
            throw new WorkerException(
                Kind.UNREACHABLE,
                "worker rank 0 did not answer at "
                    + client.root()
                    + " within "
                    + spec.startTimeout().toSeconds()
                    + " s; "
                    + group.logTail(0),
                e);
          }
          throw e;
        }
      }
      sleep(200);
    }
  }

  /** Runs the interpreter once: it must exist, be new enough and import torch. */
  public static void preflight(String python) {
    String check =
        "import sys\n"
            + "if sys.version_info < (3, 11): print('PYTHON_TOO_OLD', sys.version.split()[0]);"
            + " sys.exit(2)\n"
            + "try:\n  import torch\n"
            + "except ImportError as e:\n  print('NO_TORCH', e); sys.exit(3)\n"
            + "print('OK', sys.version.split()[0], torch.__version__)\n";
    Process p;
    try {
      p = new ProcessBuilder(python, "-c", check).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new WorkerException(
          Kind.SETUP,
          "python interpreter '"
              + python
              + "' not found: cannot run the torch workers ("
              + e.getMessage()
              + ")",
          e);
    }
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new WorkerException(
            Kind.SETUP, "'" + python + "' did not finish a version check in 60 s");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkerException(Kind.SETUP, "interrupted while checking " + python, e);
    }
    if (out.startsWith("PYTHON_TOO_OLD")) {
      throw new WorkerException(
          Kind.SETUP,
          "python '"
              + python
              + "' is "
              + out.substring(15)
              + "; the torch workers need >= "
              + MIN_PYTHON);
    }
    if (out.startsWith("NO_TORCH")) {
      throw new WorkerException(
          Kind.SETUP,
          "python '"
              + python
              + "' cannot import torch ("
              + out.substring(9)
              + "): install PyTorch (pip install torch, or apt install python3-torch)");
    }
    if (p.exitValue() != 0 || !out.startsWith("OK")) {
      throw new WorkerException(
          Kind.SETUP,
          "python '" + python + "' failed its check (exit " + p.exitValue() + "): " + out);
    }
  }

  /** The client of rank 0. */
  public WorkerClient client() {
    return client;
  }

  /** Number of ranks. */
  public int size() {
    return ranks.size();
  }

  /** The process of rank {@code r} (tests kill it to simulate a crash). */
  public ProcessHandle rank(int r) {
    return ranks.get(r).toHandle();
  }

  /** The first rank that has exited, described with its exit code and log tail; empty if none. */
  public Optional<String> deadRank() {
    for (int r = 0; r < ranks.size(); r++) {
      Process p = ranks.get(r);
      if (!p.isAlive()) {
        return Optional.of("rank " + r + " exited with code " + p.exitValue() + "; " + logTail(r));
      }
    }
    return Optional.empty();
  }

  /** The last lines of rank {@code r}'s output. */
  public String logTail(int r) {
    Path log = spec.logDir().resolve("rank-" + r + ".log");
    try {
      List<String> lines = Files.readAllLines(log);
      int from = Math.max(0, lines.size() - 8);
      return "rank "
          + r
          + " log ("
          + log
          + "): "
          + String.join(" | ", lines.subList(from, lines.size()));
    } catch (IOException e) {
      return "rank " + r + " left no log at " + log;
    }
  }

  /** Shuts the group down politely, then kills what is left. */
  @Override
  public void close() {
    if (ranks.stream().anyMatch(Process::isAlive)) {
      client.shutdown();
    }
    for (Process p : ranks) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  /** Kills every rank at once (after a failure: nothing to save). */
  public void destroy() {
    for (Process p : ranks) {
      p.destroyForcibly();
    }
    for (Process p : ranks) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The packaged worker sources, copied once per JVM into a temporary directory. */
  static synchronized Path extractPackaged() {
    if (extracted != null) {
      return extracted;
    }
    try {
      Path dir = Files.createTempDirectory("grpo-worker-");
      Path pkg = Files.createDirectories(dir.resolve("grpo_worker"));
      for (String f : SOURCES) {
        try (InputStream in = WorkerGroup.class.getResourceAsStream("/grpo_worker/" + f)) {
          if (in == null) {
            throw new WorkerException(
                Kind.SETUP,
                "the worker source grpo_worker/" + f + " is not packaged in this build");
          }
          Files.copy(in, pkg.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      extracted = dir;
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the worker sources", e);
    }
  }

  private static Path extracted;

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkerException(Kind.SETUP, "interrupted while starting the workers", e);
    }
  }
}
