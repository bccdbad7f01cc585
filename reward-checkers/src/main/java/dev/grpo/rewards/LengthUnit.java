package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.ParamSpec;

/** How the length checkers measure a completion: policy tokens (when known) or characters. */
final class LengthUnit {
  static final ParamSpec UNIT =
      ParamSpec.string(
              "unit",
              "tokens",
              "tokens (the completion's token count; not applicable when unknown) or chars")
          .oneOf("tokens", "chars");

  private LengthUnit() {}

  /** The length in the chosen unit, or -1 when tokens are asked for but unknown. */
  static long length(CheckInput input) {
    if (input.stringParam(UNIT).equals("chars")) {
      return input.completion().length();
    }
    return input.completionTokens();
  }
}
