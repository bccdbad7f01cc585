package dev.grpo.reward.rest;

import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/**
 * One entry of {@code GET /checkers}.
 *
 * @param name the name used in reward specs
 * @param description what it scores
 * @param params the parameters it accepts
 */
public record CheckerInfo(String name, String description, List<Param> params) {

  /**
   * One parameter of a checker.
   *
   * @param name key in the spec's {@code params}
   * @param type JSON type: STRING, NUMBER, INTEGER, BOOLEAN, STRING_LIST or OBJECT
   * @param defaultValue value used when the spec leaves it out, or null
   * @param description what it does
   * @param min inclusive lower bound, or null
   * @param max inclusive upper bound, or null
   * @param allowed allowed string values; empty for any
   * @param required whether the spec must give it
   */
  public record Param(
      String name,
      String type,
      Object defaultValue,
      String description,
      Double min,
      Double max,
      List<String> allowed,
      boolean required) {}

  static CheckerInfo of(Checker checker) {
    return new CheckerInfo(
        checker.name(),
        checker.description(),
        checker.params().stream().map(CheckerInfo::param).toList());
  }

  private static Param param(ParamSpec p) {
    return new Param(
        p.name(),
        p.type().name(),
        p.defaultValue(),
        p.description(),
        p.min(),
        p.max(),
        p.allowed(),
        p.required());
  }
}
