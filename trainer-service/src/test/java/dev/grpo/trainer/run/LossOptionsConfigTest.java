package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.OffPolicyCorrection.Mode;
import dev.grpo.policy.train.RewardAggregation;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The loss options of issue 17 in a run config: validated, and passed on to the trainer. */
class LossOptionsConfigTest {

  private static LossConfig loss(Map<String, Object> options, int maxStaleness) {
    var r = TestRuns.tiny(10, 1);
    r.put("maxStaleness", maxStaleness);
    TestRuns.sub(r, "loss").putAll(options);
    return PolicyConfigs.trainer(TestRuns.spec(r)).loss();
  }

  @Test
  void everyOptionReachesTheTrainer() {
    LossConfig l =
        loss(
            Map.ofEntries(
                Map.entry("objective", "sapo"),
                Map.entry("importanceLevel", "sequence"),
                Map.entry("tauPos", 0.9),
                Map.entry("tauNeg", 1.2),
                Map.entry("correction", "sequence_mask"),
                Map.entry("tisCap", 3.0),
                Map.entry("probGapEps", 0.2),
                Map.entry("maskTruncated", true),
                Map.entry("scale", "batch"),
                Map.entry("rewardAggregation", "normalize_then_sum")),
            1);
    assertThat(l.objective()).isEqualTo(LossObjective.SAPO);
    assertThat(l.level()).isEqualTo(ImportanceLevel.SEQUENCE);
    assertThat(l.tauPos()).isEqualTo(0.9);
    assertThat(l.tauNeg()).isEqualTo(1.2);
    assertThat(l.correction().mode()).isEqualTo(Mode.SEQUENCE_MASK);
    assertThat(l.correction().cap()).isEqualTo(3.0);
    assertThat(l.probGapEps()).isEqualTo(0.2);
    assertThat(l.maskTruncated()).isTrue();
    assertThat(l.scale()).isEqualTo(AdvantageScaling.BATCH);
    assertThat(l.rewardAggregation()).isEqualTo(RewardAggregation.NORMALIZE_THEN_SUM);
    assertThat(loss(Map.of("objective", "cispo", "delta", 0.0), 1).objective())
        .isEqualTo(LossObjective.CISPO);
    assertThat(loss(Map.of("delta", 1.5), 1).delta()).isEqualTo(1.5);
  }

  @Test
  void theCorrectionIsOnByDefaultWhenGroupsMayBeStale() {
    assertThat(loss(Map.of(), 1).correction().mode()).isEqualTo(Mode.TOKEN_TRUNCATE);
    assertThat(loss(Map.of(), 1).correction().cap()).isEqualTo(2.0);
    assertThat(loss(Map.of(), 0).correction().mode()).isEqualTo(Mode.NONE);
    assertThat(loss(Map.of("correction", "token_mask"), 0).correction().mode())
        .isEqualTo(Mode.TOKEN_MASK);
    assertThat(loss(Map.of(), 1).objective()).isEqualTo(LossObjective.CLIP);
    assertThat(loss(Map.of(), 1).scale()).isEqualTo(AdvantageScaling.GROUP);
    assertThat(loss(Map.of("variant", "dr_grpo"), 1).scale()).isEqualTo(AdvantageScaling.NONE);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "objective|s:ppo|loss.objective|be one of clip, cispo, sapo",
        "importanceLevel|s:seq|loss.importanceLevel|be token or sequence",
        "correction|s:tis|loss.correction|be one of none, token_truncate, token_mask,",
        "scale|s:std|loss.scale|be one of group, batch, none",
        "rewardAggregation|s:mean|loss.rewardAggregation|be sum_then_normalize or"
            + " normalize_then_sum",
        "tisCap|0.5|loss.tisCap|be >= 1",
        "tisCap|0|loss.tisCap|be a finite number > 0",
        "tauPos|0|loss.tauPos|be a finite number > 0",
        "tauNeg|-1|loss.tauNeg|be a finite number > 0",
        "probGapEps|1.5|loss.probGapEps|be in [0, 1]",
        "delta|1.1|loss.delta|be 0 (off) or > 1 + loss.epsHigh = 1.2",
        "delta|-1|loss.delta|be a finite number >= 0",
      })
  void aBadValueNamesItsField(String field, String value, String path, String rule) {
    Object v = value.startsWith("s:") ? value.substring(2) : Double.valueOf(value);
    var e = catchThrowableOfType(InvalidRunConfigException.class, () -> loss(Map.of(field, v), 1));
    assertThat(e).as(field + " = " + value).isNotNull();
    assertThat(e.field()).isEqualTo(path);
    assertThat(e.rule()).contains(rule);
  }

  @Test
  void twoSidedClippingIsForTheClipObjectiveOnly() {
    var e =
        catchThrowableOfType(
            InvalidRunConfigException.class,
            () -> loss(Map.of("delta", 2.0, "objective", "cispo"), 1));
    assertThat(e.field()).isEqualTo("loss.delta");
    assertThat(e.rule()).contains("clip objective only");
  }

  @Test
  void aSpecStoredBeforeTheOptionsReadsAsBefore() {
    var r = TestRuns.tiny(10, 1);
    String json = TestRuns.spec(r).toJson();
    String old =
        json.replaceAll(",\"objective\".*?\"rewardAggregation\":\"sum_then_normalize\"", "");
    assertThat(old).doesNotContain("objective");
    RunSpec spec = RunSpec.fromJson(old);
    assertThat(spec.loss().correction()).isEqualTo(Mode.TOKEN_TRUNCATE);
    assertThat(spec.loss().objective()).isEqualTo(LossObjective.CLIP);
    assertThat(spec.loss().tauNeg()).isEqualTo(LossConfig.DEFAULT_TAU_NEG);
    assertThat(
            RunSpec.fromJson(old.replace("\"tisCap\":2.0", "\"tisCap\":0.0")).loss().correction())
        .isEqualTo(Mode.NONE);
  }
}
