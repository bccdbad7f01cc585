package dev.grpo.trainer.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** One issued prompt group and what became of it: the accounting of issued / trained / dropped. */
@Entity
@Table(name = "prompt_group")
public class PromptGroupEntity extends PanacheEntityBase {
  /** In flight. */
  public static final String ISSUED = "ISSUED";

  /** Used by step {@link #trainedStep}. */
  public static final String TRAINED = "TRAINED";

  /** Not used, for {@link #dropReason}. */
  public static final String DROPPED = "DROPPED";

  @Id
  @Column(name = "group_id")
  public String groupId;

  @Column(name = "run_id")
  public String runId;

  @Column(name = "prompt_id")
  public String promptId;

  @Column(name = "prompt_index")
  public long promptIndex;

  @Column(name = "issued_for_step")
  public int issuedForStep;

  @Column(name = "issued_version")
  public long issuedVersion;

  public boolean sent;
  public String state;

  @Column(name = "drop_reason")
  public String dropReason;

  @Column(name = "trained_step")
  public Integer trainedStep;

  @Column(name = "rollout_version")
  public Long rolloutVersion;

  @Column(name = "issued_at")
  public Instant issuedAt;

  @Column(name = "decided_at")
  public Instant decidedAt;

  public static List<PromptGroupEntity> inState(String runId, String state) {
    return list("runId = ?1 and state = ?2 order by promptIndex", runId, state);
  }
}
