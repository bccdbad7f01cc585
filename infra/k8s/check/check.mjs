// Offline check of the rendered Kubernetes manifests (`kubectl kustomize infra/k8s`), run by ./run.
// There is no cluster where this project is tested, and `kubectl apply --dry-run` would dial one, so:
//  1. every object is validated against its schema: kubernetes-models (the Kubernetes OpenAPI
//     schemas: types, required fields, enums) and @kubernetes-models/keda for ScaledObjects;
//  2. the manifests are checked against what the services really read and what their containers
//     use under podman (infra/compose, run by infra/containers/test):
//     - each KEDA trigger names the consumer group and topic its target consumes (from the
//       services' config), its bootstrap servers equal the ConfigMap's, maxReplicaCount is at most
//       the topic's partitions (infra/compose/create-topics.sh), and scaleTargetRef exists;
//     - every env var a container gets (env, envFrom ConfigMap/Secret) is read by that service (an
//       ${VAR} in its application.properties, a @ConfigMapping property in SmallRye's env form, a
//       Quarkus property) or by its image (JVM, DJL, libtorch);
//     - the container port equals the compose file's container port, the Dockerfile's EXPOSE and
//       quarkus.http.port; probes and the scrape annotation use it; GRPO_CHECKPOINT_ROOT is where the
//       checkpoint volume is mounted, as in compose.
// usage: node check.mjs RENDERED.yaml   (exit 1 with one line per problem)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const problems = [];
const problem = (msg) => problems.push(msg);

// ---- the rendered objects and their schemas --------------------------------------------------

const rendered = process.argv[2];
if (!rendered) {
  console.error("usage: node check.mjs RENDERED.yaml");
  process.exit(2);
}
const objects = parseAllDocuments(readFileSync(rendered, "utf8")).map((d) => d.toJS()).filter(Boolean);

const MODELS = {
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "v1/Service": "kubernetes-models/v1/Service",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "keda.sh/v1alpha1/ScaledObject": "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject",
};
const name = (o) => `${o.kind}/${o.metadata?.name}`;
for (const o of objects) {
  const key = `${o.apiVersion}/${o.kind}`;
  const module = MODELS[key];
  if (!module) {
    problem(`${name(o)}: no schema known for ${key}; add it to MODELS in check.mjs`);
    continue;
  }
  const Model = Object.values(await import(module))[0];
  try {
    new Model(o).validate();
  } catch (e) {
    problem(`${name(o)}: ${e.message}`);
  }
}

// ---- facts from the repository -----------------------------------------------------------------

const read = (...p) => readFileSync(join(ROOT, ...p), "utf8");
const javaFiles = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? javaFiles(p) : p.endsWith(".java") ? [p] : [];
  });
const properties = (text) =>
  Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#") && l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()]),
  );
// SmallRye's environment form of a property name: non-alphanumerics to _, upper case.
const envForm = (property) => property.replace(/^%[a-z]+\./, "").replace(/[^A-Za-z0-9]/g, "_").toUpperCase();
const kebab = (method) => method.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

const SERVICES = {
  trainer: { module: "trainer-service", kind: "Deployment" },
  rollout: { module: "rollout-service", kind: "Deployment" },
  reward: { module: "reward-service", kind: "StatefulSet" },
};
for (const [svc, s] of Object.entries(SERVICES)) {
  const propsText = read(s.module, "src/main/resources/application.properties");
  s.props = properties(propsText);
  s.env = new Set([...propsText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
  for (const key of Object.keys(s.props)) s.env.add(envForm(key));
  s.defaults = {};
  for (const file of javaFiles(join(ROOT, s.module, "src/main/java"))) {
    const java = readFileSync(file, "utf8");
    const prefix = java.match(/@ConfigMapping\(\s*prefix\s*=\s*"([^"]+)"/)?.[1];
    if (!prefix) continue;
    for (const m of java.matchAll(/(?:@WithDefault\("([^"]*)"\)\s*)?[\w<>?, ]+\s+(\w+)\(\);/g)) {
      const property = `${prefix}.${kebab(m[2])}`;
      s.env.add(envForm(property));
      if (m[1] !== undefined) s.defaults[property] = m[1];
    }
  }
  s.port = Number(s.props["quarkus.http.port"]);
  const dockerfile = read(s.module, "src/main/docker/Dockerfile.jvm");
  s.expose = Number(dockerfile.match(/^EXPOSE\s+(\d+)/m)?.[1]);
  // Variables the image itself reads (JVM options, DJL, libtorch) are set in its ENV block.
  for (const m of dockerfile.matchAll(/^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]*)=/gm)) s.env.add(m[1]);
}
// Quarkus reads every QUARKUS_* variable as a property; OMP_NUM_THREADS is libtorch's (OpenMP).
const readByAnyService = (v) => v.startsWith("QUARKUS_") || v === "OMP_NUM_THREADS";

const topics = read("contracts/src/main/java/dev/grpo/contracts/Topics.java");
const topic = (constant) => topics.match(new RegExp(`${constant}\\s*=\\s*"([^"]+)"`))?.[1];
const partitions = Object.fromEntries(
  [...read("infra/compose/create-topics.sh").matchAll(/^create\s+(\S+)\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]),
);
const rewardProps = SERVICES.reward.props;
// What each autoscaled service consumes: the rollout worker's group on grpo.prompts, the reward
// service's rollouts-in channel (or, once it is a Kafka Streams app, its application id).
const CONSUMES = {
  rollout: {
    group: SERVICES.rollout.props["grpo.rollout.consumer-group"] ?? SERVICES.rollout.defaults["grpo.rollout.consumer-group"],
    topic: topic("PROMPTS"),
  },
  reward: {
    group:
      rewardProps["mp.messaging.incoming.rollouts-in.group.id"] ??
      rewardProps["quarkus.kafka-streams.application-id"],
    topic: rewardProps["mp.messaging.incoming.rollouts-in.topic"] ?? topic("ROLLOUTS"),
  },
};

const compose = parseAllDocuments(read("infra/compose/docker-compose.yml"), { merge: true })[0].toJS();

// ---- cross-checks ------------------------------------------------------------------------------

const byName = (kind, n) => objects.find((o) => o.kind === kind && o.metadata?.name === n);
const configMaps = Object.fromEntries(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o.data ?? {}]));
const secrets = Object.fromEntries(
  objects.filter((o) => o.kind === "Secret").map((o) => [o.metadata.name, { ...(o.stringData ?? {}), ...(o.data ?? {}) }]),
);
const bootstrap = configMaps["grpo-config"]?.KAFKA_BOOTSTRAP_SERVERS;
if (!bootstrap) problem("ConfigMap/grpo-config has no KAFKA_BOOTSTRAP_SERVERS");

for (const so of objects.filter((o) => o.kind === "ScaledObject")) {
  const ref = so.spec.scaleTargetRef;
  const target = byName(ref.kind ?? "Deployment", ref.name);
  if (!target) problem(`${name(so)}: scaleTargetRef ${ref.kind}/${ref.name} is not in the manifests`);
  const consumes = CONSUMES[ref.name];
  if (!consumes) {
    problem(`${name(so)}: scales ${ref.name}, which consumes nothing this check knows`);
    continue;
  }
  for (const t of so.spec.triggers ?? []) {
    if (t.type !== "kafka") continue;
    const m = t.metadata ?? {};
    if (m.consumerGroup !== consumes.group)
      problem(`${name(so)}: consumerGroup '${m.consumerGroup}', but ${ref.name} consumes in group '${consumes.group}'`);
    if (m.topic !== consumes.topic) problem(`${name(so)}: topic '${m.topic}', but ${ref.name} consumes '${consumes.topic}'`);
    if (m.bootstrapServers !== bootstrap)
      problem(`${name(so)}: bootstrapServers '${m.bootstrapServers}' differs from grpo-config's '${bootstrap}'`);
    const p = partitions[consumes.topic];
    if (p && so.spec.maxReplicaCount > p)
      problem(`${name(so)}: maxReplicaCount ${so.spec.maxReplicaCount} exceeds the ${p} partitions of ${consumes.topic}`);
  }
}

for (const [svc, s] of Object.entries(SERVICES)) {
  const workload = byName(s.kind, svc);
  if (!workload) {
    problem(`${s.kind}/${svc} is missing`);
    continue;
  }
  const pod = workload.spec.template;
  const c = pod.spec.containers.find((x) => x.name === svc) ?? pod.spec.containers[0];
  const where = `${s.kind}/${svc}`;
  // Env vars: each must be read by the service or its image.
  const vars = new Map((c.env ?? []).map((e) => [e.name, e.value]));
  for (const from of c.envFrom ?? []) {
    const source = from.configMapRef ? configMaps[from.configMapRef.name] : secrets[from.secretRef?.name];
    if (!source) problem(`${where}: envFrom ${JSON.stringify(from)} names no object in the manifests`);
    for (const [k, v] of Object.entries(source ?? {})) vars.set(k, v);
  }
  for (const v of vars.keys()) {
    if (!s.env.has(v) && !readByAnyService(v))
      problem(`${where}: env ${v} is read by neither ${s.module} (application.properties, @ConfigMapping) nor its image`);
  }
  // Ports: the container's, compose's, the image's EXPOSE and Quarkus' must agree.
  const ports = c.ports ?? [];
  const http = ports.find((p) => p.name === "http");
  const composeService = compose.services[svc];
  const composePort = Number(String(composeService.ports?.[0] ?? "").split(":").pop());
  if (!http) problem(`${where}: no container port named http`);
  else {
    for (const [what, value] of [
      ["quarkus.http.port", s.port],
      ["the Dockerfile's EXPOSE", s.expose],
      ["docker-compose.yml's container port", composePort],
    ]) {
      if (http.containerPort !== value) problem(`${where}: containerPort ${http.containerPort}, ${what} ${value}`);
    }
    const annotation = Number(pod.metadata?.annotations?.["prometheus.io/port"]);
    if (annotation !== http.containerPort) problem(`${where}: prometheus.io/port ${annotation}, containerPort ${http.containerPort}`);
  }
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const get = c[probe]?.httpGet;
    if (!get) problem(`${where}: no ${probe}`);
    else if (get.port !== "http" && get.port !== http?.containerPort) problem(`${where}: ${probe} port ${get.port} is not the http port`);
    else if (!get.path?.startsWith("/q/health/")) problem(`${where}: ${probe} path ${get.path} is not a SmallRye Health endpoint`);
  }
  // Checkpoints: mounted where GRPO_CHECKPOINT_ROOT says, as in compose.
  if (svc !== "reward") {
    const root = vars.get("GRPO_CHECKPOINT_ROOT");
    const mount = (c.volumeMounts ?? []).find((m) => m.name === "checkpoints");
    const composeRoot = composeService.environment?.GRPO_CHECKPOINT_ROOT;
    if (!mount || mount.mountPath !== root) problem(`${where}: GRPO_CHECKPOINT_ROOT ${root} is not the checkpoints mount (${mount?.mountPath})`);
    if (root !== composeRoot) problem(`${where}: GRPO_CHECKPOINT_ROOT ${root}, compose uses ${composeRoot}`);
    if (svc === "rollout" && !mount?.readOnly) problem(`${where}: rollout workers must mount the checkpoints read-only`);
  }
}

// The reward sandbox: the settings that let bubblewrap work (see 35-reward.yaml).
const reward = byName("StatefulSet", "reward")?.spec.template.spec;
const rewardContainer = reward?.containers.find((x) => x.name === "reward");
if (rewardContainer?.securityContext?.procMount !== "Unmasked" || reward?.hostUsers !== false)
  problem("StatefulSet/reward: code_tests needs procMount: Unmasked with hostUsers: false");

if (problems.length) {
  console.error(`infra/k8s: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
const kinds = objects.reduce((m, o) => ({ ...m, [o.kind]: (m[o.kind] ?? 0) + 1 }), {});
console.log(
  `infra/k8s: ${objects.length} objects valid (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")}); ` +
    `KEDA triggers match ${CONSUMES.rollout.group}@${CONSUMES.rollout.topic} and ${CONSUMES.reward.group}@${CONSUMES.reward.topic}; ` +
    `env vars, ports and checkpoint mounts match the services and compose`,
);
