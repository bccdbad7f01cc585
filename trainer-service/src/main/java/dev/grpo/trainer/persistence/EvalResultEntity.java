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

/** Held-out accuracy of one checker at one step ({@code checker = "reward"}: mean total reward). */
@Entity
@Table(name = "eval_result")
public class EvalResultEntity extends PanacheEntityBase {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "run_id")
  public String runId;

  public int step;
  public String checker;
  public double accuracy;
  public int examples;

  @Column(name = "created_at")
  public Instant createdAt;

  public static List<EvalResultEntity> ofRun(String runId) {
    return list("runId = ?1 order by step, checker", runId);
  }
}
