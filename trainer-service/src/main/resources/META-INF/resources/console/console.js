// GRPO console: no dependencies. Live data over Server-Sent Events (/console/api/stream),
// the rest from the trainer's REST API (/runs, /console/api/...).
"use strict";

const state = { flow: null, runId: null, stepsShown: -1, view: "flow" };
const $ = (sel) => document.querySelector(sel);
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "-" : Number(x).toFixed(d));

async function getJson(url, opts) {
  const r = await fetch(url, opts);
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  return r.json();
}

// ---- views ----
document.querySelectorAll("nav button").forEach((b) =>
  b.addEventListener("click", () => show(b.dataset.view)));

function show(view) {
  state.view = view;
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  document.querySelectorAll(".view").forEach((s) => s.classList.toggle("hidden", s.id !== "view-" + view));
  if (view === "run") { state.stepsShown = -1; refreshRun(); }
}

// ---- live stream ----
function connect() {
  const es = new EventSource("api/stream");
  es.onmessage = (e) => { state.flow = JSON.parse(e.data); $("#live-status").textContent = "live"; renderFlow(); };
  es.onerror = () => { $("#live-status").textContent = "reconnecting"; };
}

function activeRun(flow) {
  const runs = flow.runs || [];
  return runs.find((r) => r.status === "RUNNING" || r.status === "PAUSED") || runs[runs.length - 1];
}

function bars(el, map) {
  const entries = Object.entries(map || {});
  const max = Math.max(1, ...entries.map(([, v]) => v));
  el.innerHTML = entries.length === 0 ? '<span class="muted">none</span>' :
    entries.map(([k, v]) => `<div class="bar" data-key="${esc(k)}"><span style="width:3em">v${esc(k)}</span>` +
      `<span class="fill" style="width:${Math.round(150 * v / max)}px"></span><span class="count">${v}</span></div>`).join("");
}

function renderFlow() {
  const f = state.flow;
  const run = activeRun(f);
  if (run) {
    $("#live-run").textContent = run.name || run.id.slice(0, 8);
    $("#live-step").textContent = run.completedSteps;
    if (!state.runId) state.runId = run.id;
  }
  $("#topics tbody").innerHTML = (f.topics || []).map((t) =>
    `<tr data-topic="${esc(t.topic)}"><td>${esc(t.topic)}</td><td class="num">${t.partitions}</td>` +
    `<td class="num">${t.endOffset}</td><td class="num rate">${fmt(t.ratePerSecond, 1)}</td></tr>`).join("");
  $("#consumer-groups tbody").innerHTML = (f.consumerGroups || []).map((g) =>
    `<tr data-group="${esc(g.groupId)}"><td>${esc(g.groupId)}</td><td>${esc(g.state)}</td>` +
    `<td class="num lag">${Object.entries(g.lagByTopic).map(([t, l]) => esc(t) + ": " + l).join("<br>") || 0}</td>` +
    `<td class="members">${g.members.map((m) => esc(m.clientId) + " @" + esc(m.host) +
      ' <span class="muted">' + esc(m.partitions.join(", ")) + "</span>").join("<br>") || '<span class="muted">none</span>'}</td></tr>`).join("");
  const r = (f.runs || []).find((x) => x.inFlightByVersion) || {};
  bars($("#inflight"), r.inFlightByVersion);
  bars($("#staleness"), r.stalenessOfTrained);
  $("#tokens-per-second").textContent = fmt(r.tokensPerSecond || 0, 0);
  const g = r.groups || {};
  $("#accounting").textContent = r.id ? `issued ${g.issued ?? "-"} · in flight ${g.inFlight ?? "-"} · trained ${g.trained ?? "-"} · dropped ${JSON.stringify(g.dropped ?? {})}` : "";
  $("#dead-letters tbody").innerHTML = (f.deadLetters || []).map((d) =>
    `<tr><td>${esc(d.stage)}</td><td>${esc(d.reason)}</td><td class="num">${d.count}</td></tr>`).join("");
  if (f.deadLetters && f.deadLetters.length !== state.dlqCount) { state.dlqCount = f.deadLetters.length; refreshDeadLetters(); }
  if (state.view === "run") refreshRun();
}

async function refreshDeadLetters() {
  const list = await getJson("api/deadletters?limit=20");
  $("#dlq-list tbody").innerHTML = list.map((d) =>
    `<tr class="dead-letter"><td>${esc(d.timestamp)}</td><td>${esc(d.stage)}</td>` +
    `<td>${d.groupId ? `<a href="#" data-open="${esc(d.groupId)}">${esc(d.groupId)}</a>` : '<span class="muted">no key</span>'}</td>` +
    `<td class="reason">${esc(d.reason)}</td></tr>`).join("");
}

// ---- run view ----
const CHARTS = [
  ["reward/mean", "train reward (mean)"], ["reward/std", "reward std"], ["eval", "held-out accuracy"],
  ["kl", "KL"], ["clip/low", "clip fraction low"], ["clip/high", "clip fraction high"], ["entropy", "entropy"],
  ["completions/mean_length", "completion length (mean)"], ["completions/truncated_fraction", "truncation ratio"],
  ["zero_std_fraction", "zero-std group fraction"], ["time/wait_ms", "step time: wait (ms)"],
  ["time/compute_ms", "step time: compute (ms)"], ["time/checkpoint_ms", "step time: checkpoint (ms)"],
  ["staleness/mean", "staleness (mean)"], ["loss", "loss"], ["grad_norm", "grad norm"], ["tokens_per_second", "tokens/s (compute)"],
];

async function refreshRun() {
  const runs = await getJson("../runs");
  $("#runs tbody").innerHTML = runs.map((r) =>
    `<tr data-run="${esc(r.id)}" class="${r.id === state.runId ? "selected" : ""}"><td><a href="#" data-run-pick="${esc(r.id)}">${esc(r.id.slice(0, 8))}</a></td>` +
    `<td>${esc(r.name)}</td><td class="status">${esc(r.status)}</td><td>${r.completedSteps}/${r.steps}</td><td>${r.currentVersion}</td>` +
    `<td><button data-cmd="pause" data-id="${esc(r.id)}">pause</button> <button data-cmd="resume" data-id="${esc(r.id)}">resume</button> ` +
    `<button class="danger" data-cmd="stop" data-id="${esc(r.id)}">stop</button></td></tr>`).join("");
  const run = runs.find((r) => r.id === state.runId);
  if (!run || run.completedSteps === state.stepsShown) return;
  state.stepsShown = run.completedSteps;
  const [steps, evals] = await Promise.all([getJson(`../runs/${run.id}/steps`), getJson(`../runs/${run.id}/evals`)]);
  drawCharts(steps, evals);
}

function series(steps, evals) {
  const out = {};
  const put = (k, x, y) => { if (y === null || y === undefined || Number.isNaN(y)) return; (out[k] = out[k] || []).push([x, y]); };
  for (const s of steps) {
    const m = s.metrics || {};
    for (const [k, v] of Object.entries(m)) put(k, s.step, v);
    put("time/checkpoint_ms", s.step, s.checkpointMillis);
    if (m.groups) put("zero_std_fraction", s.step, (m.zero_std_groups || 0) / m.groups);
  }
  for (const e of evals) put(e.checker === "reward" ? "eval" : "eval/" + e.checker, e.step, e.accuracy);
  return out;
}

function drawCharts(steps, evals) {
  const data = series(steps, evals);
  const known = new Set(CHARTS.map(([k]) => k));
  const extra = Object.keys(data).filter((k) => !known.has(k) && !["tokens", "sequences", "groups", "zero_std_groups"].includes(k)).sort();
  const list = CHARTS.filter(([k]) => data[k]).concat(extra.map((k) => [k, k]));
  $("#charts").innerHTML = list.map(([k, title]) => chart(k, title, data[k])).join("");
}

function chart(key, title, pts) {
  const W = 300, H = 110, P = 4;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => P + (W - 2 * P) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
  const sy = (y) => H - P - (H - 2 * P) * (y1 === y0 ? 0.5 : (y - y0) / (y1 - y0));
  const d = pts.map((p, i) => (i ? "L" : "M") + sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1)).join(" ");
  const last = ys[ys.length - 1];
  return `<div class="chart" data-metric="${esc(key)}"><h4>${esc(title)} <span class="muted">last ${fmt(last, 4)} · [${fmt(y0, 3)}, ${fmt(y1, 3)}]</span></h4>` +
    `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none"><path d="${d}" fill="none" stroke="#3d6df2" stroke-width="1.5"/></svg></div>`;
}

document.addEventListener("click", async (e) => {
  const t = e.target;
  if (t.dataset.cmd) {
    const cmd = t.dataset.cmd;
    if (!window.confirm(`${cmd} run ${t.dataset.id}?`)) return;
    try { await getJson(`../runs/${t.dataset.id}/${cmd}`, { method: "POST" }); } catch (err) { alert(err.message); }
    state.stepsShown = -1; refreshRun();
  } else if (t.dataset.runPick) {
    e.preventDefault(); state.runId = t.dataset.runPick; state.stepsShown = -1; refreshRun();
  } else if (t.dataset.open) {
    e.preventDefault(); show("samples"); openGroup(t.dataset.open);
  }
});

// ---- sample browser ----
$("#pick-step").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!state.runId) return;
  listGroups(await getJson(`api/groups?run=${encodeURIComponent(state.runId)}&step=${encodeURIComponent($("#step-input").value)}`));
});
$("#search").addEventListener("submit", async (e) => {
  e.preventDefault();
  listGroups(await getJson(`api/groups?q=${encodeURIComponent($("#search-input").value)}`));
});

function listGroups(groups) {
  $("#group-list").innerHTML = groups.length === 0 ? "<li class='muted'>no groups</li>" : groups.map((g) =>
    `<li class="group-item"><a href="#" data-open="${esc(g.groupId)}">${esc(g.groupId)}</a> ` +
    `<span class="muted">${esc(g.state)}${g.trainedStep ? " at step " + g.trainedStep : ""}${g.dropReason ? " (" + esc(g.dropReason) + ")" : ""}</span></li>`).join("");
}

async function openGroup(id) {
  const el = $("#group-detail");
  el.classList.remove("hidden");
  el.innerHTML = "loading " + esc(id) + "...";
  let l;
  try { l = await getJson("api/groups/" + encodeURIComponent(id)); } catch (err) { el.textContent = err.message; return; }
  const g = l.group, o = l.outcome, gen = l.generated || {}, sc = l.scored;
  const outcome = o.state === "TRAINED" ? `trained at step ${o.trainedStep}` : o.state === "DROPPED" ? `dropped: ${esc(o.dropReason)}` : "in flight";
  el.innerHTML =
    `<h2 id="detail-title">${esc(g.groupId)}</h2>` +
    `<p>prompt <code id="detail-prompt">${esc(l.prompt)}</code> · <b id="detail-outcome">${outcome}</b></p>` +
    `<h3>Completions (${l.completions.length})</h3>` +
    `<table id="completions"><thead><tr><th>#</th><th>text</th><th>finish</th><th>tokens</th><th>reward</th><th>parts</th><th>reasons</th><th>advantage</th></tr></thead><tbody>` +
    l.completions.map((c) => `<tr class="completion"><td>${c.index}</td><td>${esc(JSON.stringify(c.text))}</td><td>${esc(c.finishReason)}</td>` +
      `<td class="num">${c.tokens}</td><td class="num ${c.reward > 0 ? "reward-pos" : ""}">${fmt(c.reward, 3)}${c.skipped ? " (skipped)" : ""}</td>` +
      `<td>${esc(Object.entries(c.parts || {}).map(([k, v]) => k + "=" + fmt(v, 3)).join(" "))}</td>` +
      `<td>${esc(Object.entries(c.reasons || {}).map(([k, v]) => k + ": " + v).join("; "))}</td>` +
      `<td class="num">${fmt(c.advantage, 3)}</td></tr>`).join("") + "</tbody></table>" +
    `<h3>Lineage</h3><ul class="lineage" id="lineage">` +
    `<li class="hop" data-hop="issued">issued for step ${l.issued.forStep} under policy v${l.issued.policyVersion} at ${esc(l.issued.at)}</li>` +
    `<li class="hop" data-hop="generated">generated by worker <b>${esc(gen.workerId ?? "?")}</b> with policy v${esc(gen.policyVersion ?? "?")}` +
      `${gen.at ? " at " + esc(gen.at) : ""}${gen.generationMillis != null ? " in " + gen.generationMillis + " ms" : ""}</li>` +
    `<li class="hop" data-hop="scored">${sc ? `scored from parts <b>${esc(sc.parts.join(", ") || "total only")}</b> by <b>${esc(sc.producer ?? "the reward service (instance not recorded)")}</b>${sc.scoringMillis != null ? " in " + sc.scoringMillis + " ms" : ""} at ${esc(sc.at)}` : "not scored"}</li>` +
    `<li class="hop" data-hop="outcome">${outcome}${o.decidedAt ? " at " + esc(o.decidedAt) : ""}</li></ul>` +
    (l.deadLetters.length ? `<h3>Dead letters</h3><ul id="detail-dead-letters">` + l.deadLetters.map((d) =>
      `<li class="dead-letter">${esc(d.stage)}: <span class="reason">${esc(d.reason)}</span> (from ${esc(d.sourceTopic)}-${d.sourcePartition}@${d.sourceOffset})</li>`).join("") + "</ul>" : "") +
    `<h3>Records in the log</h3><table id="records"><thead><tr><th>topic</th><th>partition</th><th>offset</th><th>time</th><th>read back</th></tr></thead><tbody>` +
    l.records.map((r) => `<tr class="record" data-topic="${esc(r.topic)}"><td>${esc(r.topic)}</td><td class="num">${r.partition}</td><td class="num">${r.offset}</td>` +
      `<td>${esc(r.timestamp)}</td><td class="${r.status.startsWith("removed") ? "removed" : ""}">${esc(r.status)}</td></tr>`).join("") + "</tbody></table>";
}

connect();
