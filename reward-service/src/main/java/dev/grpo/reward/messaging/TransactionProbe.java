package dev.grpo.reward.messaging;

import dev.grpo.reward.service.ScoringOutcome;
import java.util.List;

/**
 * Called inside the batch transaction before each record is sent. The production bean does nothing;
 * it exists so that a test can fail a transaction in the middle of a batch, after some of its
 * records were already sent, which is the failure exactly-once processing must survive.
 */
public interface TransactionProbe {

  /**
   * @param index position in {@code batch} of the outcome about to be sent
   * @param batch every outcome of the transaction, in send order
   * @throws RuntimeException to abort the transaction
   */
  void beforeSend(int index, List<ScoringOutcome> batch);
}
