package dev.grpo.reward;

import dev.grpo.reward.messaging.TransactionProbe;
import dev.grpo.reward.service.ScoringOutcome;
import io.quarkus.test.Mock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test replacement of the transaction probe: when armed, it fails the transaction of the batch that
 * carries the marked group, just before that batch's last record is sent, so that all its other
 * records were already written inside the transaction that then aborts. It can also fail a batch
 * with a fenced producer's error, the failure that ends the scoring loop.
 */
@Mock
public class FailOnceProbe implements TransactionProbe {
  static final AtomicReference<String> markedGroup = new AtomicReference<>();
  static final AtomicInteger failures = new AtomicInteger();
  static final AtomicInteger sentBeforeFailure = new AtomicInteger(-1);

  /** When set, the batch carrying this group fails as if the producer had been fenced. */
  public static final AtomicReference<String> fencedGroup = new AtomicReference<>();

  @Override
  public void beforeSend(int index, List<ScoringOutcome> batch) {
    var fenced = fencedGroup.get();
    if (fenced != null
        && batch.stream().anyMatch(o -> fenced.equals(o.key()))
        && fencedGroup.compareAndSet(fenced, null)) {
      throw new org.apache.kafka.common.errors.ProducerFencedException(
          "injected by ScoringLoopLivenessTest: a newer producer took this transactional.id");
    }
    var marked = markedGroup.get();
    if (marked == null || index != batch.size() - 1) {
      return;
    }
    if (batch.stream().anyMatch(o -> marked.equals(o.key()))
        && markedGroup.compareAndSet(marked, null)) {
      failures.incrementAndGet();
      sentBeforeFailure.set(index);
      throw new IllegalStateException("injected failure in the middle of the batch transaction");
    }
  }
}
