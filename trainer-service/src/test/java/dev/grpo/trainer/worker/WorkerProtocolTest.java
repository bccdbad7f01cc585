package dev.grpo.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.LossVariant;
import org.junit.jupiter.api.Test;

/** Which loss settings protocol grpo-worker/1 carries, and the name of the first one it cannot. */
class WorkerProtocolTest {

  @Test
  void theLossBeforeTheNewOptionsIsCarriedWithItsTruncationCap() {
    var classic = new LossConfig(LossVariant.DAPO, 0.2, 0.28, 0.04, 2.0);
    assertThat(WorkerProtocol.unsupportedLossOption(classic)).isEmpty();
    assertThat(WorkerProtocol.unsupportedLossOption(LossConfig.defaults(LossVariant.DR_GRPO)))
        .isEmpty();
  }

  @Test
  void optionsTheWorkerLacksAreNamedByTheirRunConfigPath() {
    var base = new LossConfig(LossVariant.GRPO, 0.2, 0.28, 0.0, 2.0);
    assertThat(WorkerProtocol.unsupportedLossOption(base.withObjective(LossObjective.CISPO)))
        .contains("loss.objective cispo");
    assertThat(WorkerProtocol.unsupportedLossOption(base.withLevel(ImportanceLevel.SEQUENCE)))
        .contains("loss.importanceLevel sequence");
  }
}
