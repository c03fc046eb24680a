// One job: every verified step the agent reported (expected and seen screen, match,
// recoveries, its annotated screenshots), the evidence, the results per attempt; retry
// and cancel. Refreshed while the job is not final.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, showError, startPage, toast } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const jobId = decodeURIComponent(location.pathname.split("/").pop());
let job = null;
let accounts = [];

function when(iso) {
  return iso ? dateTime(new Date(iso), viewerZone()) : "—";
}

function fact(label, ...value) {
  return [h("dt", { text: label }), h("dd", {}, ...value)];
}

function accountName() {
  const id = job.payload && job.payload.account_id;
  const found = accounts.find((a) => a.id === id) || accounts.find((a) => a.device_serial === job.device_serial);
  return found ? found.name : "—";
}

export function openImage(url, name) {
  $("#lightbox-img").src = url;
  $("#lightbox-name").textContent = name || "";
  $("#lightbox").showModal();
}

function shot(item) {
  return h("figure", { class: "shot" },
    h("img", { src: item.url, alt: item.filename, loading: "lazy", onclick: () => openImage(item.url, item.filename) }),
    h("span", { title: item.filename, text: `${item.kind} · ${item.filename}` }));
}

function renderFacts() {
  const target = job.target;
  const rows = [
    ...fact(t("common.kind"), t(`kind.${job.kind}`)),
    ...fact(t("common.state"), badge(job.state, t(`state.${job.state}`))),
    ...fact(t("common.device"), h("span", { class: "mono", text: job.device_serial })),
    ...fact(t("common.account"), accountName()),
    ...fact(t("jobs.attempts"), `${job.attempts} / ${job.max_attempts}`),
    ...fact(t("common.created"), when(job.created_at)),
    ...fact(t("job.not_before"), when(job.not_before)),
    ...fact(t("job.updated"), when(job.updated_at)),
    ...fact(t("job.finished"), when(job.finished_at)),
  ];
  if (job.lease_owner) rows.push(...fact("lease", t("job.lease", { owner: job.lease_owner, t: when(job.lease_expires_at) })));
  if (target) {
    rows.push(...fact(t("job.post"), t("job.target", { post: target.post_id, account: target.account_name, state: t(`target.${target.state}`) })));
  }
  if (job.error) rows.push(...fact(t("jobs.error"), h("span", { class: "error", text: job.error })));
  $("#facts").replaceChildren(...rows);
  $("#payload").textContent = JSON.stringify(job.payload, null, 2);
}

function stepNode(step, evidenceByName) {
  const data = step.data || {};
  const status = step.status || data.status || "ok";
  const icon = status === "ok" ? "✓" : status === "failed" ? "✕" : "–";
  const meta = [];
  if (data.action) meta.push(h("span", { class: "mono", text: data.action }));
  if (data.expected) meta.push(h("span", { text: t("job.step_expected", { screen: data.expected }) }));
  if (data.seen) meta.push(h("span", { text: t("job.step_seen", { screen: data.seen }) }));
  if (data.confidence) meta.push(h("span", { text: t("job.step_confidence", { n: Math.round(data.confidence * 100) }) }));
  if (data.duration_ms != null) meta.push(h("span", { text: `${Math.round(data.duration_ms)} ms` }));
  const recoveries = (data.recoveries || []).map((r) => `${r.screen} → ${r.action}`);
  const shots = (data.evidence || []).map((name) => evidenceByName.get(name.split("/").pop())).filter(Boolean);
  return h(
    "li",
    { class: `step ${status}`, dataset: { index: step.index } },
    h("span", { class: "step-icon", text: icon, "aria-label": status }),
    h(
      "div",
      {},
      h("div", { class: "step-title" }, h("span", { text: `${step.index + 1}. ${step.name}` }), status !== "ok" ? badge(status === "failed" ? "failed" : "cancelled", status) : null),
      h("div", { class: "step-meta" }, ...meta),
      recoveries.length ? h("div", { class: "step-meta", text: t("job.step_recoveries", { list: recoveries.join(", ") }) }) : null,
      data.error ? h("div", { class: "step-error", text: data.error }) : null,
      shots.length ? h("div", { class: "shots" }, ...shots.map(shot)) : null,
    ),
  );
}

function renderSteps() {
  const byName = new Map(job.evidence_files.map((e) => [e.filename, e]));
  if (!job.steps.length) {
    $("#steps").replaceChildren(h("p", { class: "muted", text: t("job.no_steps") }));
    return;
  }
  const attempts = [...new Set(job.steps.map((s) => s.attempt))].sort((a, b) => a - b);
  const nodes = [];
  for (const attempt of attempts) {
    if (attempts.length > 1) nodes.push(h("div", { class: "attempt-head", text: t("job.attempt", { n: attempt }) }));
    nodes.push(h("ol", { class: "step-list" }, ...job.steps.filter((s) => s.attempt === attempt).map((s) => stepNode(s, byName))));
  }
  $("#steps").replaceChildren(...nodes);
}

function renderEvidence() {
  const files = job.evidence_files;
  $("#evidence").replaceChildren(...(files.length ? files.map(shot) : [h("p", { class: "muted", text: t("job.no_evidence") })]));
}

function renderReports() {
  const rows = job.reports.map((r) => h("tr", {},
    h("td", { text: t("job.attempt", { n: r.attempt }) }),
    h("td", { class: "mono", text: r.owner }),
    h("td", {}, badge(r.outcome === "succeeded" || r.outcome === "already_done" ? "succeeded" : r.outcome === "unknown" ? "unconfirmed" : "failed", r.outcome)),
    h("td", { class: "nowrap", text: when(r.created_at) }),
    h("td", { class: "muted", text: (r.result && r.result.error) || "" })));
  $("#reports tbody").replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { class: "muted", text: t("common.empty") }))]));
}

function render() {
  document.title = `phonefarm · ${t("job.title", { id: job.id.slice(0, 8) })}`;
  $("#job-title").textContent = `${t(`kind.${job.kind}`)} · ${job.id}`;
  $("#job-sub").replaceChildren(badge(job.state, t(`state.${job.state}`)), h("span", { class: "mono", text: job.device_serial }), h("span", { text: accountName() }));
  show($("#retry"), job.state === "failed" || job.state === "unconfirmed");
  show($("#cancel"), job.state === "queued" || job.state === "unconfirmed");
  show($("#needs-check"), Boolean(job.needs_check) && !FINAL.has(job.state));
  renderFacts();
  renderSteps();
  renderEvidence();
  renderReports();
}

async function load() {
  try {
    job = await api("GET", `/jobs/${encodeURIComponent(jobId)}`);
  } catch (error) {
    showError(error);
    return;
  }
  render();
}

async function act(what) {
  if (!window.confirm(t(what === "retry" ? "job.confirm_retry" : "job.confirm_cancel"))) return;
  try {
    const changed = await api("POST", `/jobs/${encodeURIComponent(jobId)}/${what}`);
    if (changed.id !== jobId) {
      toast(t("job.retried", { id: changed.id }), "ok");
      location.assign(`/jobs/${encodeURIComponent(changed.id)}`);
      return;
    }
    await load();
  } catch (error) {
    showError(error);
  }
}

async function boot() {
  await startPage({ active: "jobs", onLanguage: () => job && render() });
  $("#retry").addEventListener("click", () => act("retry"));
  $("#cancel").addEventListener("click", () => act("cancel"));
  $("#lightbox-close").addEventListener("click", () => $("#lightbox").close());
  $("#lightbox").addEventListener("click", (e) => { if (e.target === $("#lightbox")) $("#lightbox").close(); });
  accounts = await api("GET", "/accounts");
  await load();
  setInterval(() => { if (job && !FINAL.has(job.state) && !document.hidden) load(); }, 3000);
}

boot();
