package dev.grpo.rewardapi;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamSpecTest {
  @Test
  void checksTypesRangesAndPresence() {
    var n = ParamSpec.integer("n", 3L, "").atLeast(1).atMost(16);
    assertThatCode(() -> n.check(4)).doesNotThrowAnyException();
    assertThatCode(() -> n.check(null)).doesNotThrowAnyException();
    assertThatThrownBy(() -> n.check(2.5)).hasMessage("params.n must be an integer, was 2.5");
    assertThatThrownBy(() -> n.check(17)).hasMessage("params.n must be <= 16, was 17");
    assertThatThrownBy(() -> n.check(Double.NaN))
        .hasMessage("params.n must be a finite number, was NaN");
    var req = ParamSpec.integer("maxLength", null, "").asRequired();
    assertThatThrownBy(() -> req.check(null))
        .hasMessage("params.maxLength must be given (it is required), was missing");
    assertThatThrownBy(() -> ParamSpec.bool("b", true, "").check("yes"))
        .hasMessage("params.b must be true or false, was \"yes\"");
    assertThatThrownBy(() -> ParamSpec.object("schema", "").check(List.of()))
        .hasMessage("params.schema must be a JSON object, was []");
    assertThatCode(() -> ParamSpec.object("schema", "").check(Map.of())).doesNotThrowAnyException();
  }

  @Test
  void scoredRejectsNonFiniteScores() {
    assertThatThrownBy(() -> CheckResult.scored(Double.NaN, "x"))
        .hasMessage("score must be finite, was NaN");
  }
}
