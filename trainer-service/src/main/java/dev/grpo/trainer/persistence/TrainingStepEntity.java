package dev.grpo.trainer.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** One finished training step with its metrics. */
@Entity
@Table(name = "training_step")
public class TrainingStepEntity extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "run_id")
  public String runId;

  public int step;

  @Column(name = "policy_version")
  public long policyVersion;

  public double loss;

  @Column(name = "reward_mean")
  public double rewardMean;

  @Column(name = "reward_std")
  public double rewardStd;

  public double kl;

  @Column(name = "clip_frac_low")
  public double clipFracLow;

  @Column(name = "clip_frac_high")
  public double clipFracHigh;

  public double entropy;

  @Column(name = "grad_norm")
  public double gradNorm;

  @Column(name = "learning_rate")
  public double learningRate;

  public long tokens;

  @Column(name = "group_count")
  public int groups;

  @Column(name = "staleness_mean")
  public double stalenessMean;

  @Column(name = "wait_millis")
  public long waitMillis;

  @Column(name = "compute_millis")
  public long computeMillis;

  @Column(name = "checkpoint_millis")
  public long checkpointMillis;

  /** Every metric of the step as a JSON object. */
  public String metrics;

  @Column(name = "created_at")
  public Instant createdAt;

  public static List<TrainingStepEntity> ofRun(String runId) {
    return list("runId = ?1 order by step", runId);
  }
}
