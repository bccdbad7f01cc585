package dev.grpo.rewards;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs untrusted Python in bubblewrap: no network, read-only root, tmpfs {@code /tmp}, private
 * pid/ipc/uts namespaces, all capabilities dropped, rlimits on CPU, address space, processes, file
 * size and open files, and a wall-clock limit that kills the whole sandbox. When started as root it
 * first drops to {@code nobody} (via {@code setpriv}) because the kernel does not enforce {@code
 * RLIMIT_NPROC} for root, and a fork bomb must hit it.
 *
 * <p>{@link #detect()} probes the machine once; when bubblewrap is missing or cannot create its
 * namespaces, {@link #unavailableReason()} says why and nothing is ever run unsandboxed.
 */
public final class Sandbox {
  /** Largest program passed to python3 -c (the kernel caps one argument at 128 KiB). */
  public static final int MAX_PROGRAM_CHARS = 64 * 1024;

  /** Bytes of stdout kept for comparison; more output than this fails the test. */
  public static final int MAX_OUTPUT_BYTES = 64 * 1024;

  /** RLIMIT_FSIZE: the largest file (stdout included) the program may write. */
  public static final long MAX_FILE_BYTES = 1024 * 1024;

  /** Size of the private /tmp. */
  public static final long TMPFS_BYTES = 16L * 1024 * 1024;

  static final int MAX_OPEN_FILES = 64;
  static final int NOBODY = 65534;

  /** Host paths hidden behind empty tmpfs mounts even though the root is read-only. */
  static final List<String> HIDDEN = List.of("/root", "/home", "/work", "/srv", "/mnt", "/media");

  /** Limits for one run. */
  public record Limits(long wallMillis, long cpuSeconds, long memoryBytes, int maxProcesses) {}

  /** The outcome of one run. */
  public record Result(Outcome outcome, int exitCode, String stdout, String stderrTail) {}

  /** How a run ended. */
  public enum Outcome {
    EXITED,
    WALL_TIMEOUT,
    OUTPUT_TOO_LARGE
  }

  private final List<String> prefix;
  private final String python;
  private final String unavailableReason;
  private final Path workDir;

  private Sandbox(List<String> prefix, String python, String unavailableReason, Path workDir) {
    this.prefix = prefix;
    this.python = python;
    this.unavailableReason = unavailableReason;
    this.workDir = workDir;
  }

  /** Probes for bwrap, prlimit and python3 and runs a trivial program in the sandbox once. */
  public static Sandbox detect() {
    var workDir = Path.of(System.getProperty("java.io.tmpdir"));
    var bwrap = which("bwrap");
    var prlimit = which("prlimit");
    var python = new File("/usr/bin/python3").canExecute() ? "/usr/bin/python3" : which("python3");
    if (bwrap == null) {
      return unavailable(
          "bubblewrap (bwrap) is not installed; install the Debian package"
              + " 'bubblewrap' — model code is never run unsandboxed",
          workDir);
    }
    if (prlimit == null || python == null) {
      return unavailable(
          (prlimit == null ? "prlimit" : "python3") + " is not on the PATH", workDir);
    }
    var prefix = new ArrayList<String>();
    var setpriv = which("setpriv");
    if (isRoot()) {
      if (setpriv == null) {
        return unavailable(
            "running as root and setpriv is missing; cannot drop to an"
                + " unprivileged user, so RLIMIT_NPROC would not hold",
            workDir);
      }
      prefix.addAll(
          List.of(setpriv, "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
    }
    prefix.addAll(
        List.of(
            bwrap,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--ro-bind",
            "/",
            "/",
            "--size",
            Long.toString(TMPFS_BYTES),
            "--tmpfs",
            "/tmp",
            "--proc",
            "/proc",
            "--dev",
            "/dev"));
    for (var hidden : HIDDEN) {
      if (new File(hidden).isDirectory()) {
        prefix.addAll(List.of("--tmpfs", hidden));
      }
    }
    prefix.addAll(List.of("--chdir", "/tmp", "--", prlimit));
    var candidate = new Sandbox(List.copyOf(prefix), python, null, workDir);
    try {
      var probe = candidate.run("print('ok')", "", new Limits(10_000, 5, 256L << 20, 16));
      if (probe.outcome() != Outcome.EXITED
          || probe.exitCode() != 0
          || !probe.stdout().strip().equals("ok")) {
        return unavailable(
            "bubblewrap is installed but the probe failed (exit "
                + probe.exitCode()
                + ", "
                + probe.outcome()
                + "): "
                + probe.stderrTail().strip(),
            workDir);
      }
    } catch (IOException e) {
      return unavailable("bubblewrap probe could not start: " + e.getMessage(), workDir);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unavailable("bubblewrap probe was interrupted", workDir);
    }
    return candidate;
  }

  static Sandbox unavailable(String reason, Path workDir) {
    return new Sandbox(List.of(), null, reason, workDir);
  }

  /** Null when usable; otherwise why the sandbox cannot be used. */
  public String unavailableReason() {
    return unavailableReason;
  }

  /** Whether programs can be run. */
  public boolean available() {
    return unavailableReason == null;
  }

  /**
   * Runs {@code program} with {@code stdin} as its standard input.
   *
   * @throws IllegalStateException when the sandbox is unavailable
   * @throws InterruptedException when the calling thread is interrupted; the sandbox is killed
   *     first
   */
  public Result run(String program, String stdin, Limits limits)
      throws IOException, InterruptedException {
    if (unavailableReason != null) {
      throw new IllegalStateException(unavailableReason);
    }
    var command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            "--cpu=" + limits.cpuSeconds(),
            "--as=" + limits.memoryBytes(),
            "--nproc=" + limits.maxProcesses(),
            "--fsize=" + MAX_FILE_BYTES,
            "--nofile=" + MAX_OPEN_FILES,
            "--core=0",
            "--",
            python,
            "-I",
            "-c",
            program));
    Files.createDirectories(workDir);
    var in = Files.createTempFile(workDir, "sbx-in", ".txt");
    var out = Files.createTempFile(workDir, "sbx-out", ".txt");
    var err = Files.createTempFile(workDir, "sbx-err", ".txt");
    Process process = null;
    try {
      Files.writeString(in, stdin);
      var builder =
          new ProcessBuilder(command)
              .redirectInput(in.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().clear();
      builder.environment().put("PATH", "/usr/bin:/bin");
      builder.environment().put("LANG", "C.UTF-8");
      builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      process = builder.start();
      boolean exited = process.waitFor(limits.wallMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        kill(process);
        return new Result(Outcome.WALL_TIMEOUT, -1, "", "");
      }
      if (Files.size(out) > MAX_OUTPUT_BYTES) {
        return new Result(Outcome.OUTPUT_TOO_LARGE, process.exitValue(), "", "");
      }
      return new Result(Outcome.EXITED, process.exitValue(), Files.readString(out), tail(err));
    } catch (InterruptedException e) {
      kill(process);
      throw e;
    } finally {
      if (process != null && process.isAlive()) {
        kill(process);
      }
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * Kills the sandbox. Killing bwrap is enough in principle (its child dies with it, and with the
   * pid namespace's init every process inside), but descendants are killed too, in case one escaped
   * the parent-death signal.
   */
  private static void kill(Process process) {
    if (process == null) {
      return;
    }
    var descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String tail(Path file) throws IOException {
    long size = Files.size(file);
    if (size == 0) {
      return "";
    }
    try (var raf = new java.io.RandomAccessFile(file.toFile(), "r")) {
      int length = (int) Math.min(size, 2_000);
      var bytes = new byte[length];
      raf.seek(size - length);
      raf.readFully(bytes);
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static String which(String program) {
    var path = System.getenv("PATH");
    var dirs = new ArrayList<String>(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
    if (path != null) {
      dirs.addAll(0, List.of(path.split(File.pathSeparator)));
    }
    for (var dir : dirs) {
      var file = new File(dir, program);
      if (file.canExecute()) {
        return file.getAbsolutePath();
      }
    }
    return null;
  }
}
