package dev.grpo.e2e;

import dev.grpo.localinfra.DatabaseEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starts the three packaged services as processes, configured the way the launcher does. */
final class PlatformProcesses {
  private PlatformProcesses() {}

  /**
   * Starts trainer, rollout and reward in that order, each awaited ready, and adds each to {@code
   * started} as soon as it runs (so the caller stops what did start when a later one fails).
   *
   * @param name distinguishes the log and checkpoint folders under {@code target/}
   */
  static void start(
      String bootstrap,
      DatabaseEndpoint db,
      String name,
      Duration startTimeout,
      List<ServiceProcess> started)
      throws Exception {
    start(bootstrap, db, name, startTimeout, started, Map.of());
  }

  /**
   * As {@link #start(String, DatabaseEndpoint, String, Duration, List)}, with {@code extraEnv} set
   * in all three services (e.g. where to export traces).
   */
  static void start(
      String bootstrap,
      DatabaseEndpoint db,
      String name,
      Duration startTimeout,
      List<ServiceProcess> started,
      Map<String, String> extraEnv)
      throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    Path logs = target.resolve(name + "-logs");
    Map<String, String> common = new HashMap<>(extraEnv);
    common.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    common.put("GRPO_CHECKPOINT_ROOT", target.resolve(name + "-checkpoints").toString());
    var trainerEnv = new HashMap<>(common);
    trainerEnv.put("GRPO_DATASOURCE_URL", db.jdbcUrl());
    trainerEnv.put("GRPO_DATASOURCE_USERNAME", db.username());
    trainerEnv.put("GRPO_DATASOURCE_PASSWORD", db.password());
    trainerEnv.put("GRPO_TRAINER_TORCH_PYTHON", "/usr/bin/python3");
    var rewardEnv = new HashMap<>(common);
    rewardEnv.put("GRPO_REWARD_INSTANCE_ID", "reward-" + name);
    // One task per sampler call, as ./grpo demo runs it: a call's composition is then a function of
    // the task, which makes the sampler's log-probs, and so the runs, bit-identical.
    var rolloutEnv = new HashMap<>(common);
    rolloutEnv.put("GRPO_ROLLOUT_MAX_TASKS_PER_BATCH", "1");
    // Started one after another: three JVMs booting DJL at once on 2 cores only slows each down.
    for (var entry :
        List.of(
            Map.entry("trainer-service", trainerEnv),
            Map.entry("rollout-service", rolloutEnv),
            Map.entry("reward-service", rewardEnv))) {
      ServiceProcess p = ServiceProcess.start(entry.getKey(), entry.getValue(), logs);
      started.add(p);
      p.awaitReady(startTimeout);
    }
  }
}
