// The jobs list: newest first, filtered by state, kind, phone and account (kept in the URL),
// refreshed every 5 s.

import { api, query } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, showError, startPage } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";

const PAGE = 50;
const STATES = ["queued", "leased", "failed", "unconfirmed", "succeeded", "cancelled"];
const KINDS = ["publish_post", "send_message", "sync_chats", "run_flow"];
const state = { jobs: [], limit: PAGE, devices: [], accounts: [], filters: {} };

function readFilters() {
  const params = new URLSearchParams(location.search);
  state.filters = {
    state: params.get("state") || "",
    kind: params.get("kind") || "",
    device_serial: params.get("device_serial") || "",
    account_id: params.get("account_id") || "",
  };
}

function options(select, items, allLabel) {
  select.replaceChildren(h("option", { value: "", text: allLabel }), ...items.map(([value, label]) => h("option", { value, text: label })));
}

function renderFilters() {
  options($("#f-state"), STATES.map((s) => [s, t(`state.${s}`)]), t("common.all"));
  options($("#f-kind"), KINDS.map((k) => [k, t(`kind.${k}`)]), t("common.all"));
  options($("#f-device"), state.devices.map((d) => [d.serial, d.serial]), t("common.all_devices"));
  options($("#f-account"), state.accounts.map((a) => [String(a.id), a.name]), t("common.all_accounts"));
  $("#f-state").value = state.filters.state;
  $("#f-kind").value = state.filters.kind;
  $("#f-device").value = state.filters.device_serial;
  $("#f-account").value = state.filters.account_id;
}

function accountOf(job) {
  const id = job.payload && job.payload.account_id;
  const byId = state.accounts.find((a) => a.id === id);
  if (byId) return byId.name;
  const byPhone = state.accounts.find((a) => a.device_serial === job.device_serial);
  return byPhone ? byPhone.name : "";
}

function row(job) {
  const open = () => location.assign(`/jobs/${encodeURIComponent(job.id)}`);
  return h(
    "tr",
    { class: "clickable", dataset: { id: job.id }, tabindex: "0", onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); } },
    h("td", { class: "nowrap", title: job.created_at, text: dateTime(new Date(job.created_at), viewerZone()) }),
    h("td", { class: "nowrap", text: t(`kind.${job.kind}`) }),
    h("td", { class: "mono", text: job.device_serial }),
    h("td", { text: accountOf(job) }),
    h("td", {}, badge(job.state, t(`state.${job.state}`))),
    h("td", { class: "nowrap", text: `${job.attempts} / ${job.max_attempts}` }),
    h("td", { class: "cell-clip muted", title: job.error || "", text: job.error || "" }),
  );
}

async function load() {
  const params = { ...state.filters, order: "newest", limit: state.limit };
  try {
    state.jobs = await api("GET", `/jobs${query(params)}`);
  } catch (error) {
    showError(error);
    return;
  }
  $("#jobs tbody").replaceChildren(...state.jobs.map(row));
  show($("#jobs-empty"), state.jobs.length === 0);
  show($("#more"), state.jobs.length >= state.limit);
}

function onFilter() {
  state.filters = {
    state: $("#f-state").value,
    kind: $("#f-kind").value,
    device_serial: $("#f-device").value,
    account_id: $("#f-account").value,
  };
  state.limit = PAGE;
  history.replaceState(null, "", `/jobs${query(state.filters)}`);
  load();
}

async function boot() {
  readFilters();
  await startPage({ active: "jobs", onLanguage: () => { renderFilters(); load(); } });
  [state.devices, state.accounts] = await Promise.all([api("GET", "/devices"), api("GET", "/accounts")]);
  renderFilters();
  for (const id of ["#f-state", "#f-kind", "#f-device", "#f-account"]) $(id).addEventListener("change", onFilter);
  $("#refresh").addEventListener("click", load);
  $("#more").addEventListener("click", () => { state.limit += PAGE; load(); });
  await load();
  setInterval(() => { if (!document.hidden) load(); }, 5000);
}

boot();
