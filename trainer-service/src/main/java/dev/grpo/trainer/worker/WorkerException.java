package dev.grpo.trainer.worker;

/** A worker group that cannot start, answer, or finish a command; {@link #kind} says why. */
public final class WorkerException extends RuntimeException {

  /** What went wrong. */
  public enum Kind {
    /** The worker cannot start: no Python, no torch, a rank that exits at start. */
    SETUP,
    /** The worker speaks another protocol version than {@value WorkerProtocol#VERSION}. */
    PROTOCOL,
    /** Rank 0 does not answer (not listening, timed out). */
    UNREACHABLE,
    /** The worker refused or failed the command (a bad batch, a missing checkpoint). */
    REJECTED,
    /** A rank died or hung in a collective; the group must be restarted. */
    GROUP_BROKEN
  }

  private final Kind kind;

  public WorkerException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public WorkerException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
