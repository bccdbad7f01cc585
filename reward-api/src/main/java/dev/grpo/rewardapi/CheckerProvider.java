package dev.grpo.rewardapi;

import java.util.List;

/**
 * A {@link java.util.ServiceLoader} entry point for a jar that brings several checkers, or checkers
 * that need construction arguments. List the implementation in {@code
 * META-INF/services/dev.grpo.rewardapi.CheckerProvider}. A jar with a single no-argument checker
 * may instead list it directly in {@code META-INF/services/dev.grpo.rewardapi.Checker}.
 */
public interface CheckerProvider {

  /** The checkers this jar contributes; names must be unique across the whole classpath. */
  List<Checker> checkers();
}
