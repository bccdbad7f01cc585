package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.trainer.run.FieldRule.DoubleRule;
import dev.grpo.trainer.run.FieldRule.IntRule;
import dev.grpo.trainer.run.RunSpec.TokenizerType;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** The rules themselves: defaults, ranges, the messages and the documented text. */
class RunRulesTest {

  private static InvalidRunConfigException broken(Runnable r) {
    return catchThrowableOfType(InvalidRunConfigException.class, r::run);
  }

  @Test
  void everyFieldHasOneRule() {
    var paths = new HashSet<String>();
    RunRules.ALL.forEach(r -> assertThat(paths.add(r.path())).as(r.path()).isTrue());
    assertThat(paths).contains("groupSize", "loss.epsLow", "model.tokenizer.type");
  }

  @Test
  void anIntegerTakesItsDefaultAndKeepsItsRange() {
    IntRule rule = RunRules.GROUP_SIZE;
    assertThat(rule.resolve(null)).isEqualTo(8);
    assertThat(rule.resolve(2)).isEqualTo(2);
    assertThat(rule.resolve(256)).isEqualTo(256);
    var e = broken(() -> rule.resolve(257));
    assertThat(e.field()).isEqualTo("groupSize");
    assertThat(e.value()).isEqualTo("257");
    assertThat(e.rule()).isEqualTo("be between 2 and 256");
    assertThat(e.getMessage()).isEqualTo("groupSize must be between 2 and 256, was 257");
  }

  @Test
  void aBoundFromAnotherFieldIsDocumentedByName() {
    assertThat(RunRules.CHECKPOINT_EVERY.description()).contains("1..steps");
    assertThat(RunRules.CHECKPOINT_EVERY.resolve(3, 1, 1, 4)).isEqualTo(3);
    assertThat(broken(() -> RunRules.CHECKPOINT_EVERY.resolve(5, 1, 1, 4)).rule())
        .isEqualTo("be between 1 and 4");
    assertThat(RunRules.VOCAB_SIZE.description())
        .contains("the tokenizer's vocabulary..1048576; default the tokenizer's vocabulary");
  }

  @Test
  void aNumberKeepsItsRangeAndNamesIt() {
    DoubleRule epsLow = RunRules.EPS_LOW;
    assertThat(epsLow.resolve(null)).isEqualTo(0.2);
    assertThat(epsLow.resolve(0.0)).isZero();
    assertThat(broken(() -> epsLow.resolve(1.0)).getMessage())
        .isEqualTo("loss.epsLow must be in [0, 1), was 1.0");
    assertThat(broken(() -> RunRules.TEMPERATURE.resolve(Double.POSITIVE_INFINITY)).rule())
        .isEqualTo("be a finite number > 0");
    assertThat(broken(() -> RunRules.BETA.resolve(Double.NaN)).rule())
        .isEqualTo("be a finite number >= 0");
    assertThat(RunRules.TOP_P.resolve(1.0)).isEqualTo(1.0);
    assertThat(broken(() -> RunRules.MIN_LR_RATIO.resolve(-0.1)).rule()).isEqualTo("be in [0, 1]");
  }

  @Test
  void theCorrectionCapIsAtLeastOneAfterItsRange() {
    assertThat(RunRules.TIS_CAP.resolve(1.0)).isEqualTo(1.0);
    assertThat(broken(() -> RunRules.TIS_CAP.resolve(0.0)).rule())
        .isEqualTo("be a finite number > 0");
    assertThat(broken(() -> RunRules.TIS_CAP.resolve(-1.0)).rule())
        .isEqualTo("be a finite number > 0");
    assertThat(broken(() -> RunRules.TIS_CAP.resolve(0.5)).rule())
        .startsWith("be >= 1 (a cap below 1 shrinks on-policy samples;");
    assertThat(RunRules.TIS_CAP.description()).contains(">= 1; default 2.0");
    assertThat(RunRules.CORRECTION.description())
        .contains("default token_truncate when maxStaleness >= 1, else none");
  }

  @Test
  void aChoiceIsAnEnumSpelledInLowerCase() {
    assertThat(RunRules.LOSS_VARIANT.resolve(null)).isEqualTo(LossVariant.GRPO);
    assertThat(RunRules.LOSS_VARIANT.resolve("dr-grpo")).isEqualTo(LossVariant.DR_GRPO);
    var e = broken(() -> RunRules.LOSS_VARIANT.resolve("ppo"));
    assertThat(e.value()).isEqualTo("'ppo'");
    assertThat(e.rule()).isEqualTo("be one of grpo, bnpo, dapo, dr_grpo");
    assertThat(RunRules.SCHEDULE.resolve("COSINE")).isEqualTo(LrSchedule.COSINE);
    assertThat(broken(() -> RunRules.SCHEDULE.resolve("linear")).rule())
        .isEqualTo("be constant or cosine");
    assertThat(RunRules.TOKENIZER_TYPE.resolve("file")).isEqualTo(TokenizerType.FILE);
    assertThat(broken(() -> RunRules.TOKENIZER_TYPE.resolve("File")).rule())
        .isEqualTo("be char or file");
    assertThat(RunRules.TOKENIZER_TYPE.resolve(null, TokenizerType.FILE))
        .isEqualTo(TokenizerType.FILE);
    assertThat(FieldRule.spelling(LossVariant.DR_GRPO)).isEqualTo("dr_grpo");
  }

  @Test
  void aNameIsStrippedAndLimited() {
    assertThat(RunRules.NAME.resolve(null)).isEqualTo("run");
    assertThat(RunRules.NAME.resolve(" a ")).isEqualTo("a");
    assertThat(broken(() -> RunRules.NAME.resolve(" ")).getMessage())
        .isEqualTo("name must be 1..200 characters, was ' '");
  }

  @Test
  void switchesAndSeedsHaveDefaults() {
    assertThat(RunRules.DYNAMIC_SAMPLING.resolve(null)).isTrue();
    assertThat(RunRules.DYNAMIC_SAMPLING.resolve(false)).isFalse();
    assertThat(RunRules.SEED.resolve(null)).isZero();
    assertThat(RunRules.SEED.resolve(-5L)).isEqualTo(-5);
    assertThat(RunRules.EVAL_GREEDY.description()).endsWith("; default true");
  }
}
