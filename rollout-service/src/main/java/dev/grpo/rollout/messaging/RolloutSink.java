package dev.grpo.rollout.messaging;

import dev.grpo.contracts.RolloutGroup;
import java.util.concurrent.CompletableFuture;

/** Where finished groups go; the future completes when the group is durably published. */
@FunctionalInterface
public interface RolloutSink {
  CompletableFuture<Void> publish(RolloutGroup group);
}
