// The audit log (admins): every change and every action on a phone, newest first,
// filtered by who, what (a prefix such as "posts."), phone, account, period and result.

import { api, query } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, showError, startPage } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";

const PAGE = 50;
const state = { offset: 0, total: 0, items: [], accounts: [] };

function filters() {
  const since = $("#f-since").value;
  const until = $("#f-until").value;
  return {
    actor: $("#f-actor").value.trim(),
    action: $("#f-action").value.trim(),
    device_serial: $("#f-device").value.trim(),
    account_id: $("#f-account").value,
    since: since ? new Date(since).toISOString() : "",
    until: until ? new Date(until).toISOString() : "",
    failed: $("#f-failed").checked ? "true" : "",
  };
}

function accountNames(ids) {
  return ids.map((id) => (state.accounts.find((a) => a.id === id) || { name: `#${id}` }).name).join(", ");
}

function render() {
  const chosen = $("#f-account").value;
  $("#f-account").replaceChildren(h("option", { value: "", text: t("common.all_accounts") }), ...state.accounts.map((a) => h("option", { value: a.id, text: a.name })));
  $("#f-account").value = chosen;
  $("#events tbody").replaceChildren(...state.items.map((event) => h(
    "tr",
    { dataset: { action: event.action } },
    h("td", { class: "nowrap", title: event.at, text: dateTime(new Date(event.at), viewerZone()) }),
    h("td", {}, event.actor
      ? [h("span", { text: event.actor }), " ", h("span", { class: `role-badge role-${event.actor_role}`, text: t(`role.${event.actor_role}`) })]
      : h("span", { class: "muted", text: t("audit.anonymous") })),
    h("td", {}, h("div", { class: "mono", text: event.action }), h("div", { class: "muted small mono", text: `${event.method} ${event.path}` })),
    h("td", { class: "mono small", text: event.target || "" }),
    h("td", { class: "mono small", text: event.devices.join(", ") }),
    h("td", { class: "small", text: accountNames(event.account_ids) }),
    h("td", {}, badge(event.status < 400 ? "ok" : event.status === 403 || event.status === 401 ? "warn" : "bad", String(event.status))),
    h("td", { class: "mono small muted", title: event.request_id, text: event.request_id.slice(0, 12) }),
    h("td", { class: "mono small muted", text: event.ip }),
  )));
  show($("#events-empty"), state.items.length === 0);
  const from = state.total ? state.offset + 1 : 0;
  $("#page-info").textContent = t("common.page", { from, to: state.offset + state.items.length, total: state.total });
  $("#prev").disabled = state.offset === 0;
  $("#next").disabled = state.offset + state.items.length >= state.total;
}

async function load() {
  try {
    const page = await api("GET", `/audit${query({ ...filters(), limit: PAGE, offset: state.offset })}`);
    state.items = page.items;
    state.total = page.total;
  } catch (error) {
    showError(error);
    return;
  }
  render();
}

async function boot() {
  await startPage({ active: "audit", onLanguage: render });
  state.accounts = await api("GET", "/accounts");
  let timer = 0;
  const again = () => { clearTimeout(timer); timer = setTimeout(() => { state.offset = 0; load(); }, 250); };
  for (const id of ["#f-actor", "#f-action", "#f-device"]) $(id).addEventListener("input", again);
  for (const id of ["#f-account", "#f-since", "#f-until", "#f-failed"]) $(id).addEventListener("change", again);
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); again(); });
  $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  $("#next").addEventListener("click", () => { state.offset += PAGE; load(); });
  render();
  await load();
}

boot();
