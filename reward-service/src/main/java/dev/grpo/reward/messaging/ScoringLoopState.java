package dev.grpo.reward.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Whether the Kafka scoring loop ({@link RolloutConsumer}) can still make progress. A failed
 * transaction is normally retried from the last commit; some failures end that for good: the
 * transactional producer was fenced (another live instance under this {@code transactional.id}) or
 * cannot go on, or the JVM threw an {@link Error}. Every later batch would fail the same way while
 * SmallRye's channel health still says UP, so the loop records its death here and liveness ({@code
 * health.ScoringLoopLiveness}) goes DOWN with the reason, for an orchestrator to restart the
 * instance.
 */
@ApplicationScoped
public class ScoringLoopState {
  private final AtomicReference<String> deathReason = new AtomicReference<>();

  /** Records the failure if it is fatal; returns whether it was. */
  public boolean failed(Throwable failure) {
    Throwable fatal = fatalCause(failure);
    if (fatal == null) {
      return false;
    }
    deathReason.compareAndSet(null, fatal.toString());
    return true;
  }

  /** Why the loop died, or null while it is alive. */
  public String deathReason() {
    return deathReason.get();
  }

  /** The fatal failure in {@code t}'s cause chain, or null when it can be retried. */
  static Throwable fatalCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof ProducerFencedException
          || c instanceof OutOfOrderSequenceException
          || c instanceof AuthorizationException
          || c instanceof UnsupportedVersionException
          || c instanceof Error) {
        return c;
      }
    }
    return null;
  }

  /** Alive again: only for tests that injected a death into a shared application. */
  void revive() {
    deathReason.set(null);
  }
}
