// The post calendar: a week (hours × days) or a month of every post occurrence by
// account, in a chosen time zone; the composer, posting time slots, CSV import/export.
// Refreshed every 10 s, so targets turn "published" as the phones publish them.

import { api, apiForm, query } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { openComposer } from "./composer.js";
import { badge, errorText, me, showError, startPage } from "./nav.js";
import {
  addDays, allZones, civil, dateTime, dayKey, dayOfInstant, format, partsIn, startOfDay,
  timeOfDay, todayIn, viewerZone, weekday,
} from "./time.js";

const ZONE_KEY = "pf.calendar.zone";
const VIEW_KEY = "pf.calendar.view";
const STATES = ["planned", "scheduled", "queued", "publishing", "awaiting_confirmation", "published", "unconfirmed", "failed", "cancelled"];
const MONTH_CHIPS = 4;

const state = {
  view: localStorage.getItem(VIEW_KEY) === "month" ? "month" : "week",
  zone: localStorage.getItem(ZONE_KEY) || viewerZone(),
  anchor: null,
  accounts: [],
  entries: [],
  filters: { account_id: "", tag: "" },
  scrolled: false,
};

// ---------------------------------------------------------------- the range

function weekStart(day) {
  return addDays(day, -((weekday(day) + 6) % 7));
}

function range() {
  if (state.view === "week") {
    const first = weekStart(state.anchor);
    return { first, days: 7 };
  }
  const first = weekStart(civil(state.anchor.y, state.anchor.m, 1));
  return { first, days: 42 };
}

function bounds() {
  const { first, days } = range();
  return { start: startOfDay(first, state.zone), end: startOfDay(addDays(first, days), state.zone) };
}

function title() {
  const { first } = range();
  if (state.view === "month") {
    return format(startOfDay(civil(state.anchor.y, state.anchor.m, 15), state.zone), state.zone, { year: "numeric", month: "long" });
  }
  const last = addDays(first, 6);
  const a = format(startOfDay(first, state.zone), state.zone, { month: "short", day: "numeric" });
  const b = format(startOfDay(last, state.zone), state.zone, { year: "numeric", month: "short", day: "numeric" });
  return `${a} – ${b}`;
}

// ---------------------------------------------------------------- loading

async function load() {
  const { start, end } = bounds();
  const params = { start: start.toISOString(), end: end.toISOString(), ...state.filters };
  try {
    const data = await api("GET", `/calendar${query(params)}`);
    state.entries = data.entries;
    show($("#truncated"), data.truncated);
  } catch (error) {
    showError(error);
    return;
  }
  renderGrid();
  $("#export").href = `/api/v1/schedule/export${query(params)}`;
}

// ---------------------------------------------------------------- drawing

function entryNode(entry) {
  const at = new Date(entry.at);
  const label = t(`target.${entry.state}`);
  return h(
    "button",
    {
      type: "button",
      class: `entry s-${entry.state}`,
      dataset: { post: entry.post_id, account: entry.account_id, state: entry.state },
      title: `${dateTime(at, state.zone)} · ${entry.account_name} · ${label}\n${entry.text}`,
      onclick: (e) => { e.stopPropagation(); openEntry(entry); },
    },
    h("span", { class: "t", text: timeOfDay(at, state.zone) }),
    h("span", { class: "a", text: entry.account_name }),
  );
}

function bucket(keyOf) {
  const map = new Map();
  for (const entry of state.entries) {
    const key = keyOf(new Date(entry.at));
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(entry);
  }
  return map;
}

function dayHead(day, today) {
  const at = startOfDay(day, state.zone);
  return h(
    "div",
    { class: `head${dayKey(day) === dayKey(today) ? " today" : ""}` },
    h("div", { class: "muted", text: format(at, state.zone, { weekday: "short" }) }),
    h("span", { class: "num", text: String(day.d) }),
  );
}

function renderWeek() {
  const { first } = range();
  const today = todayIn(state.zone);
  const days = [...Array(7).keys()].map((i) => addDays(first, i));
  const byHour = bucket((date) => {
    const p = partsIn(date, state.zone);
    return `${dayKey({ y: p.year, m: p.month, d: p.day })}|${p.hour}`;
  });
  const nodes = [h("div", { class: "head" }), ...days.map((day) => dayHead(day, today))];
  for (let hour = 0; hour < 24; hour += 1) {
    nodes.push(h("div", { class: "hour", text: `${String(hour).padStart(2, "0")}:00` }));
    for (const day of days) {
      const items = byHour.get(`${dayKey(day)}|${hour}`) || [];
      nodes.push(h(
        "div",
        {
          class: `cell${dayKey(day) === dayKey(today) ? " today" : ""}`,
          dataset: { day: dayKey(day), hour },
          onclick: () => compose(day, hour),
        },
        ...items.map(entryNode),
      ));
    }
  }
  const old = $("#week-grid");
  const grid = h("div", { class: "cal-week", id: "week-grid" }, ...nodes);
  $("#calendar").replaceChildren(grid);
  if (!state.scrolled) {
    // Start the day at 07:00; later redraws keep where the user scrolled to.
    const row = grid.querySelectorAll(".hour")[7];
    if (row) grid.scrollTop = row.offsetTop - grid.querySelector(".head").offsetHeight;
    state.scrolled = true;
  } else if (old) {
    grid.scrollTop = old.scrollTop;
  }
}

function renderMonth() {
  const { first } = range();
  const today = todayIn(state.zone);
  const byDay = bucket((date) => dayKey(dayOfInstant(date, state.zone)));
  const names = t("days.short").split(",");
  const nodes = [1, 2, 3, 4, 5, 6, 0].map((d) => h("div", { class: "head", text: names[d] }));
  for (let i = 0; i < 42; i += 1) {
    const day = addDays(first, i);
    const items = byDay.get(dayKey(day)) || [];
    const classes = ["day"];
    if (day.m !== state.anchor.m) classes.push("other");
    if (dayKey(day) === dayKey(today)) classes.push("today");
    nodes.push(h(
      "div",
      { class: classes.join(" "), dataset: { day: dayKey(day) }, onclick: () => compose(day, 9) },
      h("span", { class: "num", text: String(day.d) }),
      ...items.slice(0, MONTH_CHIPS).map(entryNode),
      items.length > MONTH_CHIPS
        ? h("button", { type: "button", class: "more-link", text: t("cal.more", { n: items.length - MONTH_CHIPS }), onclick: (e) => { e.stopPropagation(); state.anchor = day; setView("week"); } })
        : null,
    ));
  }
  $("#calendar").replaceChildren(h("div", { class: "cal-month" }, ...nodes));
}

function renderGrid() {
  if (state.view === "week") renderWeek();
  else renderMonth();
}

function renderToolbar() {
  $("#cal-title").textContent = title();
  for (const button of document.querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
  const tags = [...new Set(state.accounts.flatMap((a) => a.tags || []))].sort();
  $("#f-account").replaceChildren(h("option", { value: "", text: t("common.all_accounts") }), ...state.accounts.map((a) => h("option", { value: a.id, text: a.name })));
  $("#f-account").value = state.filters.account_id;
  $("#f-tag").replaceChildren(h("option", { value: "", text: t("common.all_tags") }), ...tags.map((tag) => h("option", { value: tag, text: `#${tag}` })));
  $("#f-tag").value = state.filters.tag;
  $("#legend").replaceChildren(
    h("span", { text: `${t("cal.legend")}:` }),
    ...STATES.map((s) => h("span", {}, h("span", { class: `dot s-${s}` }), t(`target.${s}`))),
  );
}

function render() {
  renderToolbar();
  renderGrid();
}

// ---------------------------------------------------------------- actions

function setView(view) {
  state.view = view;
  localStorage.setItem(VIEW_KEY, view);
  state.scrolled = false;
  renderToolbar();
  load();
}

function move(step) {
  if (state.view === "week") state.anchor = addDays(state.anchor, 7 * step);
  else state.anchor = civil(state.anchor.y, state.anchor.m + step, 1);
  renderToolbar();
  load();
}

function compose(day = null, hour = null) {
  openComposer({ accounts: state.accounts, zone: state.zone, day, hour, onDone: () => load() });
}

async function openEntry(entry) {
  const dialog = $("#entry");
  $("#entry-title").textContent = t("cal.post", { id: entry.post_id });
  $("#entry-body").replaceChildren(h("p", { class: "muted", text: t("common.loading") }));
  $("#entry-foot").replaceChildren();
  dialog.showModal();
  let post;
  try {
    post = await api("GET", `/posts/${entry.post_id}`);
  } catch (error) {
    $("#entry-body").replaceChildren(h("p", { class: "error", text: errorText(error) }));
    return;
  }
  const at = new Date(entry.at);
  const facts = [
    [t("common.account"), entry.account_name],
    [t("common.time"), `${dateTime(at, state.zone)} (${state.zone})`],
    [t("common.state"), badge(entry.state, t(`target.${entry.state}`))],
  ];
  if (post.recurrence) facts.push([t("cal.recurring"), post.recurrence.cron || `${post.recurrence.interval_seconds} s`]);
  if (entry.error) facts.push(["", h("span", { class: "error", text: entry.error })]);
  $("#entry-body").replaceChildren(
    h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)])),
    h("div", { class: "review-text", text: post.text }),
    post.media.length ? h("div", { class: "mini-thumbs" }, ...post.media.map((m) => h("img", { src: m.url, alt: "" }))) : null,
    h("div", { class: "table-wrap" }, h("table", { class: "grid" }, h("tbody", {},
      ...post.targets.map((target) => h("tr", {},
        h("td", { text: target.account_name }),
        h("td", { class: "nowrap", text: dateTime(new Date(target.occurrence_at), state.zone) }),
        h("td", {}, badge(target.state, t(`target.${target.state}`))),
        h("td", {}, target.job_id && ["admin", "operator"].includes(me().role)
          ? h("a", { href: `/jobs/${target.job_id}`, text: t("cal.open_job") })
          : null)))))),
  );
  if (post.state !== "cancelled" && ["admin", "scheduler"].includes(me().role)) {
    $("#entry-foot").append(h("button", {
      type: "button",
      class: "danger",
      text: t("cal.cancel_post"),
      onclick: async () => {
        if (!window.confirm(t("cal.confirm_cancel"))) return;
        try {
          await api("POST", `/posts/${post.id}/cancel`);
          dialog.close();
          load();
        } catch (error) { showError(error); }
      },
    }));
  }
}

// ---------------------------------------------------------------- time slots

const SLOT = /^([01]\d|2[0-3]):[0-5]\d$/;

async function openSlots() {
  state.accounts = await api("GET", "/accounts");
  $("#slots-table tbody").replaceChildren(
    h("tr", {}, h("th", { text: t("common.account") }), h("th", { text: t("common.timezone") }), h("th", { text: t("cal.slots") }), h("th", {})),
    ...state.accounts.map((account) => {
      const input = h("input", { type: "text", value: (account.posting_slots || []).join(", "), placeholder: t("slots.placeholder"), dataset: { account: account.id } });
      const status = h("span", { class: "small muted" });
      const save = async () => {
        const slots = input.value.split(/[,，\s]+/).map((s) => s.trim()).filter(Boolean).map((s) => (s.length === 4 ? `0${s}` : s));
        if (!slots.every((s) => SLOT.test(s))) {
          status.textContent = t("slots.bad");
          status.className = "small error";
          return;
        }
        try {
          const saved = await api("PUT", `/accounts/${account.id}/slots`, { slots });
          input.value = saved.posting_slots.join(", ");
          account.posting_slots = saved.posting_slots;
          status.textContent = t("common.saved");
          status.className = "small muted";
        } catch (error) {
          status.textContent = errorText(error);
          status.className = "small error";
        }
      };
      input.addEventListener("keydown", (e) => { if (e.key === "Enter") save(); });
      return h("tr", {},
        h("td", { text: account.name }),
        h("td", { class: "muted small", text: account.timezone }),
        h("td", {}, input),
        h("td", { class: "nowrap" }, h("button", { type: "button", class: "small", text: t("common.save"), onclick: save }), " ", status));
    }),
  );
  $("#slots").showModal();
}

// ---------------------------------------------------------------- CSV import

async function runImport(dryRun) {
  const file = $("#import-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const result = await apiForm("POST", `/schedule/import${query({ dry_run: dryRun })}`, form);
    const ok = result.rows.filter((r) => !r.problems.length).length;
    $("#import-summary").textContent = dryRun
      ? t("import.summary_dry", { ok, failed: result.failed })
      : t("import.summary", { created: result.created, failed: result.failed });
    $("#import-results tbody").replaceChildren(...result.rows.map((row) => h("tr", {},
      h("td", { class: "nowrap", text: t("import.row", { n: row.row }) }),
      h("td", {}, row.problems.length
        ? h("span", { class: "error", text: row.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join("; ") })
        : badge("ok", row.post_id ? t("import.created", { id: row.post_id }) : t("import.ok"))))));
    show($("#import-results-wrap"), result.rows.length > 0);
    if (!dryRun && result.created) load();
  } catch (error) {
    $("#import-summary").textContent = errorText(error);
    show($("#import-results-wrap"), false);
  }
}

// ---------------------------------------------------------------- live state

const BUSY = new Set(["scheduled", "queued", "publishing"]);

/** Every 10 s; every 2 s while a post around now is on its way to a phone. */
function poll() {
  const now = Date.now();
  const busy = state.entries.some((e) => BUSY.has(e.state) && Math.abs(new Date(e.at).getTime() - now) < 5 * 60000);
  setTimeout(async () => {
    if (!document.hidden && !$("#composer").open) await load();
    poll();
  }, busy ? 2000 : 10000);
}

// ---------------------------------------------------------------- start

async function boot() {
  $("#new-post").disabled = true;  // until the accounts it offers are loaded
  await startPage({ active: "calendar", onLanguage: render });
  if (!allZones().includes(state.zone)) state.zone = "UTC";
  state.anchor = todayIn(state.zone);
  $("#zone").replaceChildren(...allZones().map((z) => h("option", { value: z, text: z })));
  $("#zone").value = state.zone;
  $("#zone").addEventListener("change", (e) => {
    state.zone = e.target.value;
    localStorage.setItem(ZONE_KEY, state.zone);
    render();
    load();
  });
  $("#prev").addEventListener("click", () => move(-1));
  $("#next").addEventListener("click", () => move(1));
  $("#today").addEventListener("click", () => { state.anchor = todayIn(state.zone); renderToolbar(); load(); });
  for (const button of document.querySelectorAll("[data-view]")) button.addEventListener("click", () => setView(button.dataset.view));
  $("#f-account").addEventListener("change", (e) => { state.filters.account_id = e.target.value; load(); });
  $("#f-tag").addEventListener("change", (e) => { state.filters.tag = e.target.value; load(); });
  $("#new-post").addEventListener("click", () => compose());
  $("#open-slots").addEventListener("click", () => openSlots().catch(showError));
  $("#open-import").addEventListener("click", () => {
    $("#import-file").value = "";
    $("#import-summary").textContent = "";
    show($("#import-results-wrap"), false);
    $("#import").showModal();
  });
  $("#import-check").addEventListener("click", () => runImport(true));
  $("#import-run").addEventListener("click", () => runImport(false));
  for (const button of document.querySelectorAll("dialog [data-close]")) {
    if (!button.closest("#composer")) button.addEventListener("click", () => button.closest("dialog").close());
  }
  state.accounts = await api("GET", "/accounts");
  $("#new-post").disabled = false;
  render();
  await load();
  poll();
  if (new URLSearchParams(location.search).has("compose")) compose();
}

boot();
