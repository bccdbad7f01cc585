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

  /**
   * The length in the chosen unit; missing (not applicable) when tokens are asked for but unknown,
   * as in a {@code POST /score} request with text only.
   */
  static Reference<Long> measure(CheckInput input) {
    if (input.stringParam(UNIT).equals("chars")) {
      return Reference.of((long) input.completion().length());
    }
    long tokens = input.completionTokens();
    return tokens < 0
        ? Reference.missing("token count unknown; set unit=chars to measure characters")
        : Reference.of(tokens);
  }
}
