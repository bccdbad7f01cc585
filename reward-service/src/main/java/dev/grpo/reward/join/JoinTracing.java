package dev.grpo.reward.join;

import dev.grpo.contracts.GroupTracing;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;

/**
 * What the join needs to continue a group's trace and to sign its records.
 *
 * @param tracer opens the join's spans ({@link GroupTracing#PART_SPAN}, {@link
 *     GroupTracing#JOIN_SPAN})
 * @param instanceId this reward instance, the {@code grpo-producer} header of what the join writes
 */
record JoinTracing(Tracer tracer, String instanceId) {
  /** No spans, no producer header (plain tests). */
  static final JoinTracing NONE =
      new JoinTracing(TracerProvider.noop().get(GroupTracing.SCOPE), null);
}
