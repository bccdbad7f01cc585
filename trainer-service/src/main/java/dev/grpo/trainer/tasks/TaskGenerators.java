package dev.grpo.trainer.tasks;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The task generators known to this trainer, by name: every {@link TaskGenerator} bean. */
@Singleton
public class TaskGenerators {
  private final Map<String, TaskGenerator> byName = new TreeMap<>();

  /** CDI constructor: collects every generator bean. */
  @jakarta.inject.Inject
  public TaskGenerators(Instance<TaskGenerator> generators) {
    this(generators.stream().toList());
  }

  /** For plain tests and tools. */
  public TaskGenerators(Collection<TaskGenerator> generators) {
    for (TaskGenerator g : generators) {
      TaskGenerator previous = byName.put(g.name(), g);
      if (previous != null) {
        throw new IllegalStateException(
            "two task generators are named "
                + g.name()
                + ": "
                + previous.getClass().getName()
                + " and "
                + g.getClass().getName());
      }
    }
  }

  /** The generator called {@code name}. */
  public Optional<TaskGenerator> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** All names, sorted. */
  public java.util.Set<String> names() {
    return java.util.Collections.unmodifiableSet(byName.keySet());
  }
}
