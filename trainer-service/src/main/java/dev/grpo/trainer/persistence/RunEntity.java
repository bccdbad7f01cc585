package dev.grpo.trainer.persistence;

import dev.grpo.trainer.run.RunStatus;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** A training run. */
@Entity
@Table(name = "run")
public class RunEntity extends PanacheEntityBase {
  @Id public String id;
  public String name;

  @Enumerated(EnumType.STRING)
  public RunStatus status;

  /** The run's {@code RunSpec} as JSON ({@code RunSpec.toJson}), read back once per process. */
  public String config;

  @Column(name = "completed_steps")
  public int completedSteps;

  /** Latest published policy version; -1 before version 0. */
  @Column(name = "current_version")
  public long currentVersion = -1;

  /** Step of the latest checkpoint: where a restart resumes. */
  @Column(name = "checkpoint_step")
  public int checkpointStep;

  @Column(name = "next_prompt_index")
  public long nextPromptIndex;

  public String error;

  @Column(name = "created_at")
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;

  /** Runs a restarted trainer must pick up again. */
  public static List<RunEntity> resumable() {
    return list("status in ?1 order by createdAt", List.of(RunStatus.RUNNING, RunStatus.PAUSED));
  }
}
