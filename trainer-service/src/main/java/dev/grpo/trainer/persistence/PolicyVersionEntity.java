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
import java.util.Optional;

/** A published policy version (a checkpoint). */
@Entity
@Table(name = "policy_version")
public class PolicyVersionEntity extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "run_id")
  public String runId;

  public long version;
  public long step;

  @Column(name = "checkpoint_uri")
  public String checkpointUri;

  public String sha256;

  @Column(name = "created_at")
  public Instant createdAt;

  public static List<PolicyVersionEntity> ofRun(String runId) {
    return list("runId = ?1 order by version", runId);
  }

  public static Optional<PolicyVersionEntity> latest(String runId) {
    return find("runId = ?1 order by version desc", runId).firstResultOptional();
  }
}
