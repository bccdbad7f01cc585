package dev.grpo.e2e;

import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.DatabaseEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Starts the three packaged services as processes, configured the way the launcher does. */
final class PlatformProcesses {
  /** The services in start order: the trainer first, so the topics and the run exist early. */
  static final List<String> SERVICES =
      List.of("trainer-service", "rollout-service", "reward-service");

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
    Map<String, Map<String, String>> envs = environments(bootstrap, db, name, target, extraEnv);
    Path logs = target.resolve(name + "-logs");
    // Started one after another: three JVMs booting DJL at once on 2 cores only slows each down.
    for (var entry : envs.entrySet()) {
      ServiceProcess p = ServiceProcess.start(entry.getKey(), entry.getValue(), logs);
      started.add(p);
      p.awaitReady(startTimeout);
    }
  }

  /**
   * The environment of each service (in start order), as the e2e tests have always started them;
   * the reward instance id is stable ({@code reward-<name>}). {@link #withStableIds} adds the
   * rollout and trainer ids for restarts.
   *
   * @param name distinguishes the checkpoint folder and the instance ids
   * @param base the folder the checkpoint folder goes under
   */
  static Map<String, Map<String, String>> environments(
      String bootstrap, DatabaseEndpoint db, String name, Path base) {
    return environments(bootstrap, db, name, base, Map.of());
  }

  /** As {@link #environments(String, DatabaseEndpoint, String, Path)}, plus {@code extraEnv}. */
  static Map<String, Map<String, String>> environments(
      String bootstrap, DatabaseEndpoint db, String name, Path base, Map<String, String> extraEnv) {
    Map<String, String> common = new HashMap<>(extraEnv);
    common.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    common.put("GRPO_CHECKPOINT_ROOT", base.resolve(name + "-checkpoints").toString());
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
    var out = new LinkedHashMap<String, Map<String, String>>();
    out.put(SERVICES.get(0), Map.copyOf(trainerEnv));
    out.put(SERVICES.get(1), Map.copyOf(rolloutEnv));
    out.put(SERVICES.get(2), Map.copyOf(rewardEnv));
    return out;
  }

  /**
   * {@code envs} with stable rollout worker and trainer instance ids too, as {@code ./grpo} and a
   * Kubernetes pod name give them: a service restarted with the same environment keeps its {@code
   * group.instance.id} and {@code transactional.id}, so it reclaims its partitions at once and
   * fences its dead predecessor.
   */
  static Map<String, Map<String, String>> withStableIds(
      Map<String, Map<String, String>> envs, String name) {
    var out = new LinkedHashMap<String, Map<String, String>>();
    envs.forEach(
        (svc, env) -> {
          var e = new HashMap<>(env);
          if (svc.equals("rollout-service")) {
            e.put("GRPO_ROLLOUT_WORKER_ID", "rollout-" + name);
          } else if (svc.equals("trainer-service")) {
            e.put("GRPO_TRAINER_INSTANCE_ID", "trainer-" + name);
          }
          out.put(svc, Map.copyOf(e));
        });
    return out;
  }

  /** The topics as docs/operations.md recommends them, scaled down to one broker. */
  static void createTopics(String bootstrap) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String t :
          List.of(
              Topics.PROMPTS,
              Topics.ROLLOUTS,
              Topics.REWARD_PARTS,
              Topics.SCORED,
              Topics.POLICY,
              Topics.STEPS,
              Topics.DLQ)) {
        var nt =
            new NewTopic(t, t.equals(Topics.POLICY) || t.equals(Topics.STEPS) ? 1 : 2, (short) 1);
        if (t.equals(Topics.POLICY)) {
          nt.configs(Map.of("cleanup.policy", "compact"));
        } else if (!t.equals(Topics.PROMPTS)) {
          nt.configs(Map.of("max.message.bytes", Integer.toString(4 * 1024 * 1024 + 1024)));
        }
        topics.add(nt);
      }
      for (var f : admin.createTopics(topics).values().values()) {
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    }
  }
}
