package dev.grpo.reward.messaging;

import dev.grpo.reward.service.ScoringOutcome;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The production {@link TransactionProbe}: does nothing. */
@ApplicationScoped
@DefaultBean
public class NoTransactionProbe implements TransactionProbe {
  @Override
  public void beforeSend(int index, List<ScoringOutcome> batch) {
    // Nothing to observe in production.
  }
}
