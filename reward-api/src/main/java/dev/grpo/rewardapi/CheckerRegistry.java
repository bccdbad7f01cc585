package dev.grpo.rewardapi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The checkers known to one process, by name: those found by {@link ServiceLoader} (as {@link
 * Checker} or through {@link CheckerProvider}) plus any passed in explicitly (the Quarkus service
 * passes its CDI beans). Immutable and thread-safe once built. Two checkers with one name are
 * refused, because a reward spec must mean one thing.
 */
public final class CheckerRegistry {
  private final Map<String, Checker> byName;

  private CheckerRegistry(Map<String, Checker> byName) {
    this.byName = Collections.unmodifiableMap(byName);
  }

  /** ServiceLoader checkers of the thread's context class loader, nothing else. */
  public static CheckerRegistry fromServiceLoader() {
    return create(Thread.currentThread().getContextClassLoader(), List.of());
  }

  /**
   * ServiceLoader checkers of {@code loader} merged with {@code extra}.
   *
   * @throws IllegalStateException when two checkers share a name, naming both classes
   */
  public static CheckerRegistry create(ClassLoader loader, Collection<? extends Checker> extra) {
    var found = new ArrayList<Checker>();
    ServiceLoader.load(Checker.class, loader).forEach(found::add);
    ServiceLoader.load(CheckerProvider.class, loader).forEach(p -> found.addAll(p.checkers()));
    found.addAll(extra);
    return of(found);
  }

  /**
   * Exactly the given checkers, no ServiceLoader lookup.
   *
   * @throws IllegalStateException when two checkers share a name
   */
  public static CheckerRegistry of(Collection<? extends Checker> checkers) {
    var map = new LinkedHashMap<String, Checker>();
    for (Checker checker : checkers) {
      var name = checker.name();
      if (name == null || !name.matches("[a-z][a-z0-9_]{0,63}")) {
        throw new IllegalStateException(
            "checker name must be lower snake case ([a-z][a-z0-9_]{0,63}), was '"
                + name
                + "' from "
                + checker.getClass().getName());
      }
      var previous = map.putIfAbsent(name, checker);
      // The same class found twice (e.g. on the classpath twice) is one checker, not a clash.
      if (previous != null && previous.getClass() != checker.getClass()) {
        throw new IllegalStateException(
            "two checkers are named '"
                + name
                + "': "
                + previous.getClass().getName()
                + " and "
                + checker.getClass().getName()
                + "; checker names must be unique");
      }
    }
    return new CheckerRegistry(map);
  }

  /** The checker with this name, if any. */
  public Optional<Checker> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * The checker with this name.
   *
   * @throws IllegalArgumentException naming the unknown checker and the known ones
   */
  public Checker get(String name) {
    var checker = byName.get(name);
    if (checker == null) {
      throw new IllegalArgumentException(
          "unknown checker '" + name + "'; known: " + byName.keySet());
    }
    return checker;
  }

  /** All checkers, in discovery order. */
  public List<Checker> all() {
    return List.copyOf(byName.values());
  }

  /** All names, in discovery order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }
}
